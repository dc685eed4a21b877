/**
 * Secret redaction, applied to every record before it is serialised: known secret values anywhere,
 * attributes whose name looks like a credential, and credential-shaped text in strings and bodies
 * (Authorization headers, `"api_key":"…"` JSON fields, `SOME_TOKEN=…` env lines, `?key=` query params).
 */
import type { Attributes, LogRecord, SpanLink } from "@dispatch/kernel";

/** What replaces a secret. */
export const REDACTED = "[redacted]";

/** Shorter "secrets" are ignored: redacting every "ab" would destroy the journal. */
const MIN_SECRET_LENGTH = 4;
/** Env values shorter than this are flags (`AUTH=true`), not credentials. */
const MIN_ENV_SECRET_LENGTH = 8;

const SENSITIVE_WORDS = new Set([
  "auth",
  "authorization",
  "bearer",
  "cookie",
  "cookies",
  "credential",
  "credentials",
  "key",
  "passwd",
  "password",
  "secret",
  "secrets",
  "token",
]);
const SENSITIVE_SUFFIXES = ["apikey", "token", "secret", "password", "passwd"];
/** Names repeat (`role`, `content`, attribute keys), so verdicts are remembered, up to a bound. */
const verdicts = new Map<string, boolean>();
const MAX_VERDICTS = 4096;

/**
 * True when an attribute, JSON field or variable name looks like it holds a credential: one of its
 * words (split on `_ - .` and camelCase) is e.g. `key`, `token`, `secret`, `authorization`. Plurals
 * such as `inputTokens` or `maxTokens` are counts and do not match.
 */
export function isSensitiveName(name: string): boolean {
  const known = verdicts.get(name);
  if (known !== undefined) return known;
  const words = name.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).map((word) => word.toLowerCase());
  const verdict = words.some(
    (word) => SENSITIVE_WORDS.has(word) || SENSITIVE_SUFFIXES.some((suffix) => word.endsWith(suffix)),
  );
  if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  verdicts.set(name, verdict);
  return verdict;
}

// The value part matches the same strings as `(?:[^"\\]|\\.)*`, without an alternation per character.
const JSON_STRING_FIELD = /"([^"\\]{1,64})"(\s*:\s*)"([^"\\]*(?:\\.[^"\\]*)*)"/g;
/**
 * A necessary condition for a `JSON_STRING_FIELD` match with a credential name (`isSensitiveName`):
 * such a name contains one of these words in ASCII letters of any case (it is split into words at
 * every other character), followed by `": "`. Checking it first skips the field scan of bodies that
 * hold no such field, which is nearly all of them.
 */
const SENSITIVE_FIELD_HINT = /(?:auth|bearer|cookie|credential|key|passw|secret|token)[^"\\]{0,63}"\s*:\s*"/i;
/** A bearer credential in free text (must contain a digit, so prose like "bearer instrument" is kept). */
const BEARER = /\b(bearer)(\s+)(?=[A-Za-z._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{8,}/gi;
const HEADER_LINE =
  /\b((?:proxy-)?authorization|x-api-key|api-key|x-auth-token|cookie|set-cookie)([ \t]*:[ \t]*)(?!["\s])[^\r\n"\\]+/gi;
const ENV_ASSIGNMENT =
  /\b([A-Z][A-Z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)[A-Z0-9_]*)=[^\s"'\\]+/g;
const QUERY_PARAM = /([?&](?:api[_-]?key|key|token|access[_-]?token|auth|password|secret)=)[^&\s"'#\\]+/gi;
const KEY_SHAPES =
  /\b(?:sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16})/g;
/**
 * Each pattern above with a cheap necessary condition for a match: text that every match contains
 * (a literal, or a few alternatives before a `:` or `=`). The condition is checked on the exact text
 * the pattern would be applied to, so skipping the pattern when it fails changes nothing; a
 * 150 KB prompt body costs ~0.2 ms of checks instead of ~0.6 ms of full pattern scans.
 */
const GUARDED_PATTERNS: readonly { hint: RegExp; pattern: RegExp; replacement: string }[] = [
  { hint: /bearer/i, pattern: BEARER, replacement: `$1$2${REDACTED}` },
  {
    hint: /(?:authorization|api-key|x-auth-token|cookie)[ \t]*:/i,
    pattern: HEADER_LINE,
    replacement: `$1$2${REDACTED}`,
  },
  {
    hint: /(?:KEY|TOKEN|SECRET|PASSW|CREDENTIAL)[A-Z0-9_]*=/,
    pattern: ENV_ASSIGNMENT,
    replacement: `$1=${REDACTED}`,
  },
  {
    hint: /[?&](?:api|key|token|access|auth|password|secret)/i,
    pattern: QUERY_PARAM,
    replacement: `$1${REDACTED}`,
  },
  { hint: /\b(?:sk-|gh[pousr]_|github_pat_|AKIA)/, pattern: KEY_SHAPES, replacement: REDACTED },
];

/** Redacts credential-shaped text in one string (no known values needed). */
export function redactPatterns(text: string): string {
  const fields = SENSITIVE_FIELD_HINT.test(text)
    ? text.replace(JSON_STRING_FIELD, (match, name: string, colon: string) =>
        isSensitiveName(name) ? `"${name}"${colon}"${REDACTED}"` : match,
      )
    : text;
  let out = fields;
  for (const { hint, pattern, replacement } of GUARDED_PATTERNS) {
    if (hint.test(out)) out = out.replace(pattern, replacement);
  }
  return out;
}

/** The last `secrets` list seen and its variants: the sink passes the same list for every record. */
let lastSecrets: readonly string[] = [];
let lastVariants: readonly string[] = [];

/** The values to look for: each secret as is and as it appears inside a JSON string; longest first. */
function secretVariants(secrets: readonly string[]): readonly string[] {
  if (sameList(secrets, lastSecrets)) return lastVariants;
  lastSecrets = [...secrets];
  lastVariants = computeVariants(secrets);
  return lastVariants;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function computeVariants(secrets: readonly string[]): string[] {
  const variants = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) continue;
    variants.add(secret);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped.length >= MIN_SECRET_LENGTH) variants.add(escaped);
  }
  return [...variants].sort((a, b) => b.length - a.length);
}

function redactText(text: string, variants: readonly string[]): string {
  let out = text;
  for (const value of variants) if (out.includes(value)) out = out.replaceAll(value, REDACTED);
  return redactPatterns(out);
}

function redactAttributes(attributes: Attributes, variants: readonly string[]): Attributes {
  const out: Attributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value !== "string") out[name] = value;
    else out[name] = isSensitiveName(name) ? REDACTED : redactText(value, variants);
  }
  return out;
}

function redactLinks(links: readonly SpanLink[], variants: readonly string[]): SpanLink[] {
  return links.map((link) => {
    const out: SpanLink = { spanId: redactText(link.spanId, variants) };
    if (link.turnId !== undefined) out.turnId = redactText(link.turnId, variants);
    if (link.reason !== undefined) out.reason = redactText(link.reason, variants);
    return out;
  });
}

/**
 * A copy of `record` with secrets replaced by `[redacted]`: every string field is scanned for the
 * known `secrets` and credential patterns; string attributes with a credential-like name are dropped
 * to `[redacted]` whatever their value. Numbers, booleans and null are kept.
 */
export function redactRecord(record: LogRecord, secrets: readonly string[]): LogRecord {
  const variants = secretVariants(secrets);
  // A record fanned out to several sinks (stderr and the journal) is redacted once.
  const known = redacted.get(record);
  if (known !== undefined && known.variants === variants) return known.copy;
  const copy: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(record)) {
    if (typeof value === "string") copy[field] = redactText(value, variants);
    else if (field === "attributes" && value) copy[field] = redactAttributes(value as Attributes, variants);
    else if (field === "links" && Array.isArray(value)) copy[field] = redactLinks(value, variants);
    else copy[field] = value;
  }
  const result = copy as unknown as LogRecord;
  redacted.set(record, { variants, copy: result });
  return result;
}

/** Redacted copies by original record, for as long as the original lives. */
const redacted = new WeakMap<LogRecord, { variants: readonly string[]; copy: LogRecord }>();

/**
 * Values of environment variables whose name looks like a credential (`*_API_KEY`, `GITHUB_TOKEN`,
 * `DB_PASSWORD`…), for the sink's `secrets` option.
 */
export function secretsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= MIN_ENV_SECRET_LENGTH && isSensitiveName(name)) values.push(value);
  }
  return values;
}
