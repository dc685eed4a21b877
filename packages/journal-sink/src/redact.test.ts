/**
 * Redaction: planted secrets (env-like attribute names, known values inside bodies, Authorization
 * headers, env dumps, query params) never reach the journal file, while token counts stay readable.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogRecord } from "@dispatch/kernel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createJournalSink } from "./journal-sink.ts";
import { isSensitiveName, REDACTED, redactPatterns, redactRecord, secretsFromEnv } from "./redact.ts";

const DAEMON_TOKEN = "dtok_4f9a1c2e7b3d5e6f";
const PROVIDER_KEY = "sk-live-PLANTED0123456789abcdef";

function record(overrides: Partial<LogRecord>): LogRecord {
  return { kind: "log", level: "info", msg: "m", timestamp: 1, extensionId: "x", ...overrides } as LogRecord;
}

describe("isSensitiveName", () => {
  it("matches credential names and not token counts", () => {
    for (const name of [
      "apiKey",
      "DISPATCH_API_KEY",
      "authorization",
      "x-api-key",
      "accessToken",
      "db.password",
    ]) {
      expect(isSensitiveName(name)).toBe(true);
    }
    for (const name of [
      "inputTokens",
      "usage.outputTokens",
      "max_tokens",
      "cacheReadTokens",
      "model",
      "url",
    ]) {
      expect(isSensitiveName(name)).toBe(false);
    }
  });
});

describe("redactRecord", () => {
  it("redacts attributes with credential names but keeps counts and other scalars", () => {
    const out = redactRecord(
      record({
        attributes: { "env.GITHUB_TOKEN": "ghx", apiKey: "abc", inputTokens: 12, model: "m", ok: true },
      }),
      [],
    );
    expect(out.attributes).toEqual({
      "env.GITHUB_TOKEN": REDACTED,
      apiKey: REDACTED,
      inputTokens: 12,
      model: "m",
      ok: true,
    });
  });

  it("replaces known secret values in every string field, also JSON-escaped", () => {
    const secret = 'pa"ss\\word-1234';
    const out = redactRecord(
      record({
        msg: `token is ${DAEMON_TOKEN}`,
        body: JSON.stringify({ note: `use ${secret}`, other: DAEMON_TOKEN }),
        conversationId: `c-${DAEMON_TOKEN}`,
        attributes: { note: `k=${DAEMON_TOKEN}` },
      }),
      [DAEMON_TOKEN, secret],
    );
    const text = JSON.stringify(out);
    expect(text).not.toContain(DAEMON_TOKEN);
    expect(text).not.toContain("ss\\\\word");
    expect(out).toMatchObject({ msg: `token is ${REDACTED}` });
  });

  it("redacts span links", () => {
    const out = redactRecord(
      {
        kind: "span-open",
        spanId: "s",
        name: "n",
        timestamp: 1,
        extensionId: "x",
        links: [{ spanId: DAEMON_TOKEN }],
      },
      [DAEMON_TOKEN],
    );
    expect(JSON.stringify(out)).not.toContain(DAEMON_TOKEN);
  });

  it("redacts a record fanned out to several sinks once, and again when the secrets change", () => {
    const original = record({ msg: `token ${DAEMON_TOKEN} and ${PROVIDER_KEY}` });
    const first = redactRecord(original, [DAEMON_TOKEN]);
    expect(redactRecord(original, [DAEMON_TOKEN])).toBe(first);
    expect(first.kind === "log" && first.msg).toBe(`token ${REDACTED} and ${REDACTED}`);
    const secrets = ["dtok_other_value_1234"];
    const other = redactRecord(record({ msg: "dtok_other_value_1234" }), secrets);
    expect(other.kind === "log" && other.msg).toBe(REDACTED);
    secrets[0] = "changed-in-place-5678";
    const changed = redactRecord(record({ msg: "changed-in-place-5678" }), secrets);
    expect(changed.kind === "log" && changed.msg).toBe(REDACTED);
  });
});

describe("redactPatterns", () => {
  it("redacts Authorization headers, JSON credential fields, env lines, query params and key shapes", () => {
    const cases: [string, string][] = [
      ["Authorization: Bearer abc123def456", "Authorization: [redacted]"],
      ['{"Authorization":"Basic dXNlcjpwYXNz"}', '{"Authorization":"[redacted]"}'],
      ['{"headers":{"x-api-key": "k-123"}}', '{"headers":{"x-api-key": "[redacted]"}}'],
      ["curl -H 'x-api-key: abcdef'", "curl -H 'x-api-key: [redacted]"],
      ["sent bearer eyJhbGciOi.J9x1", "sent bearer [redacted]"],
      ["OPENAI_API_KEY=zz-top-secret\nHOME=/root", "OPENAI_API_KEY=[redacted]\nHOME=/root"],
      ["GET https://x.test/v1?key=AIzaXYZ&q=1", "GET https://x.test/v1?key=[redacted]&q=1"],
      ["leaked sk-abcdefghijklmnop1234 here", "leaked [redacted] here"],
    ];
    for (const [input, expected] of cases) expect(redactPatterns(input)).toBe(expected);
  });

  it("finds credential fields in long bodies, after escaped quotes and in any letter case", () => {
    const prose = `${"The user asked about API keys and tokens. ".repeat(2000)}`;
    const body = JSON.stringify({
      messages: [{ role: "user", content: `say "hi" ${prose}` }],
      headers: { "X-Api-Key": "k-1", accessToken: "t-2" },
      PROXY_AUTHORIZATION: "upper-3",
    });
    const out = redactPatterns(body);
    expect(out.includes("k-1")).toBe(false);
    expect(out.includes("t-2")).toBe(false);
    expect(out.includes("upper-3")).toBe(false);
    expect(out.includes(prose)).toBe(true);
  });

  it("gives what every pattern applied in turn gives (the hints only skip patterns that cannot match)", () => {
    // The patterns without their hints, in the same order (copied from redact.ts on purpose).
    const reference = (text: string) =>
      text
        .replace(
          /"([^"\\]{1,64})"(\s*:\s*)"([^"\\]*(?:\\.[^"\\]*)*)"/g,
          (match, name: string, colon: string) =>
            isSensitiveName(name) ? `"${name}"${colon}"${REDACTED}"` : match,
        )
        .replace(/\b(bearer)(\s+)(?=[A-Za-z._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{8,}/gi, `$1$2${REDACTED}`)
        .replace(
          /\b((?:proxy-)?authorization|x-api-key|api-key|x-auth-token|cookie|set-cookie)([ \t]*:[ \t]*)(?!["\s])[^\r\n"\\]+/gi,
          `$1$2${REDACTED}`,
        )
        .replace(
          /\b([A-Z][A-Z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)[A-Z0-9_]*)=[^\s"'\\]+/g,
          `$1=${REDACTED}`,
        )
        .replace(
          /([?&](?:api[_-]?key|key|token|access[_-]?token|auth|password|secret)=)[^&\s"'#\\]+/gi,
          `$1${REDACTED}`,
        )
        .replace(
          /\b(?:sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16})/g,
          REDACTED,
        );
    const pieces = [
      "bearer ",
      "Bearer",
      "BEARER\t",
      "abc123def456",
      "eyJhbGciOi.J9x1",
      "authorization",
      "Proxy-Authorization",
      "x-api-key",
      "API-KEY",
      "x-auth-token",
      "set-cookie",
      "Cookie",
      ": ",
      ":",
      " \t",
      "KEY",
      "OPENAI_API_KEY",
      "GITHUB_TOKEN",
      "DB_PASSWORD",
      "PASSWD",
      "CREDENTIALS",
      "SECRET",
      "=",
      "zz-top",
      "?",
      "&",
      "key",
      "api_key",
      "access-token",
      "auth",
      "password",
      "secret",
      "token",
      "sk-",
      "sk-abcdefghijklmnop1234",
      "ghp_",
      "gho_",
      "ghp_abcdefghijklmnopqrst12",
      "github_pat_",
      "github_pat_abcdefghijklmnopqrst_1",
      "AKIA",
      "AKIAABCDEFGHIJKLMNOP",
      "[redacted]",
      '"',
      "\\",
      "\n",
      " ",
      "x",
      "9",
      "-",
      "_",
      ".",
      "/",
      "=value",
      "#",
      "'",
      "ſ",
      "K",
    ];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      let text = "";
      const length = 1 + random(12);
      for (let j = 0; j < length; j++) text += pieces[random(pieces.length)];
      expect(redactPatterns(text)).toBe(reference(text));
    }
  });

  it("leaves ordinary prose and request fields alone", () => {
    const text = '{"model":"m","max_tokens":100,"messages":[{"role":"user","content":"a basic question"}]}';
    expect(redactPatterns(text)).toBe(text);
  });
});

describe("secretsFromEnv", () => {
  it("returns values of credential-named variables long enough to be secrets", () => {
    const env = {
      PLANTED_API_KEY: "planted-value-123",
      GH_TOKEN: "ghvalue-999",
      AUTH_ON: "true",
      HOME: "/root",
    };
    expect(secretsFromEnv(env).sort()).toEqual(["ghvalue-999", "planted-value-123"]);
  });
});

describe("journal redaction end to end", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "journal-redact-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("never writes planted secrets to the file", () => {
    const envSecret = "env-planted-s3cr3t-value";
    const path = join(dir, "app.ndjson");
    const sink = createJournalSink({
      path,
      fsyncIntervalMs: 0,
      secrets: () => [DAEMON_TOKEN, PROVIDER_KEY, ...secretsFromEnv({ MY_SERVICE_TOKEN: envSecret })],
    });
    const request = {
      url: "https://provider.test/v1/chat/completions",
      headers: { authorization: `Bearer ${PROVIDER_KEY}` },
      body: {
        messages: [{ role: "tool", content: `MY_SERVICE_TOKEN=${envSecret}\nX-Token ${DAEMON_TOKEN}` }],
      },
    };
    sink.emit(
      record({
        kind: "span-close",
        name: "provider.request",
        spanId: "s1",
        durationMs: 3,
        status: "ok",
        attributes: { "usage.inputTokens": 40, bearer: `Bearer ${PROVIDER_KEY}`, note: envSecret },
        body: JSON.stringify(request),
      } as Partial<LogRecord>),
    );
    sink.emit(record({ msg: `daemon token ${DAEMON_TOKEN}`, attributes: { DISPATCH_TOKEN: DAEMON_TOKEN } }));
    sink.close();
    const text = readFileSync(path, "utf8");
    for (const secret of [DAEMON_TOKEN, PROVIDER_KEY, envSecret]) expect(text).not.toContain(secret);
    expect(text).toContain('"usage.inputTokens":40');
    expect(text).toContain(REDACTED);
  });
});
