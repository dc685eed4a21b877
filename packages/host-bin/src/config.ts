/**
 * Configuration from the environment (and an optional `.env`), validated once at boot. Every
 * problem is reported with the variable's name and what it must be. Besides this file only
 * main.ts reads one variable (`DISPATCH_ENV_FILE`, to find `.env`).
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";

/** The validated configuration. */
export interface Config {
  dataDir: string;
  dbPath: string;
  tokenPath: string;
  journalPath: string;
  traceDbPath: string;
  hostname: string;
  httpPort: number;
  surfaceWsPort: number;
  /** `undefined`: take the token from the data dir (generated on first start). */
  token: string | undefined;
  authEnabled: boolean;
  allowedOrigins: string[];
  allowedHosts: string[];
  credentials: { name: string; providerId: string; baseURL: string; apiKey?: string }[];
  defaultModel: string | undefined;
  defaultCwd: string;
  externalExtensions: string[];
  shutdownGraceMs: number;
  maxSteps: number;
  lsp: { trustProjectConfig: boolean; typescriptServerPath?: string };
  cacheWarming: { enabledByDefault: boolean; intervalSeconds: number; maxWarmsPerIdle: number };
  /** Context window assumed for models whose provider does not report one. */
  contextWindow: number;
  logLevel: "debug" | "info" | "warn" | "error";
  firecrawl: { apiUrl?: string; apiKey?: string };
  transcriberUrl: string | undefined;
}

/** The default OpenAI-compatible endpoint when only an API key is given (OpenCode Go). */
export const DEFAULT_BASE_URL = "https://opencode.ai/zen/go/v1";
export const UMANS_BASE_URL = "https://api.code.umans.ai/v1";

const port = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return fallback;
      const n = Number(v);
      if (!/^\d+$/.test(v) || n > 65535) {
        ctx.addIssue({ code: "custom", message: `${name} must be a port number 0-65535 (got "${v}")` });
        return z.NEVER;
      }
      return n;
    });

const positiveInt = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return fallback;
      if (!/^\d+$/.test(v) || Number(v) < 1) {
        ctx.addIssue({ code: "custom", message: `${name} must be a positive integer (got "${v}")` });
        return z.NEVER;
      }
      return Number(v);
    });

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
  );

const url = (name: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return undefined;
      if (!URL.canParse(v) || !/^https?:$/.test(new URL(v).protocol)) {
        ctx.addIssue({ code: "custom", message: `${name} must be an http(s) URL (got "${v}")` });
        return z.NEVER;
      }
      return v.replace(/\/+$/, "");
    });

const envSchema = z.object({
  DISPATCH_DATA_DIR: z.string().optional(),
  DISPATCH_DB: z.string().optional(),
  DISPATCH_JOURNAL: z.string().optional(),
  DISPATCH_TRACE_DB: z.string().optional(),
  DISPATCH_HOST: z.string().optional(),
  BACKEND_PORT: port("BACKEND_PORT", 24203),
  SURFACE_WS_PORT: port("SURFACE_WS_PORT", 24205),
  DISPATCH_TOKEN: z.string().optional(),
  DISPATCH_AUTH: z.enum(["token", "off"], { message: 'DISPATCH_AUTH must be "token" or "off"' }).optional(),
  DISPATCH_ALLOWED_ORIGINS: list,
  DISPATCH_ALLOWED_HOSTS: list,
  DISPATCH_API_KEY: z.string().optional(),
  DISPATCH_BASE_URL: url("DISPATCH_BASE_URL"),
  DISPATCH_MODEL: z.string().optional(),
  DISPATCH_CREDENTIAL: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, "DISPATCH_CREDENTIAL must be a lowercase slug such as opencode")
    .optional(),
  UMANS_API_KEY: z.string().optional(),
  UMANS_BASE_URL: url("UMANS_BASE_URL"),
  DISPATCH_DEFAULT_CWD: z.string().optional(),
  DISPATCH_EXTERNAL_EXTENSIONS: list,
  DISPATCH_SHUTDOWN_GRACE_MS: positiveInt("DISPATCH_SHUTDOWN_GRACE_MS", 10_000),
  DISPATCH_MAX_STEPS: positiveInt("DISPATCH_MAX_STEPS", 50),
  DISPATCH_CONTEXT_WINDOW: positiveInt("DISPATCH_CONTEXT_WINDOW", 128_000),
  DISPATCH_LSP_TRUST_PROJECT: z
    .enum(["on", "off"], { message: 'DISPATCH_LSP_TRUST_PROJECT must be "on" or "off"' })
    .optional(),
  DISPATCH_LSP_TSSERVER: z.string().optional(),
  DISPATCH_CACHE_WARMING: z
    .enum(["on", "off"], { message: 'DISPATCH_CACHE_WARMING must be "on" or "off"' })
    .optional(),
  DISPATCH_CACHE_WARM_INTERVAL_S: positiveInt("DISPATCH_CACHE_WARM_INTERVAL_S", 240),
  DISPATCH_CACHE_WARM_MAX: positiveInt("DISPATCH_CACHE_WARM_MAX", 3),
  DISPATCH_LOG_LEVEL: z
    .enum(["debug", "info", "warn", "error"], {
      message: "DISPATCH_LOG_LEVEL must be debug, info, warn or error",
    })
    .optional(),
  FIRECRAWL_API_URL: url("FIRECRAWL_API_URL"),
  FIRECRAWL_API_KEY: z.string().optional(),
  DISPATCH_TRANSCRIBER_URL: url("DISPATCH_TRANSCRIBER_URL"),
});

/** A configuration problem; the message lists every bad variable. */
export class ConfigError extends Error {}

/** The per-user data directory: `$XDG_DATA_HOME/dispatch`, else `~/.local/share/dispatch`. */
export function defaultDataDir(env: Record<string, string | undefined>): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share");
  return join(base, "dispatch");
}

/** Validates `env` into a `Config`, or throws a `ConfigError` naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined>, cwd: string): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  - ${issue.message}`);
    throw new ConfigError(
      `Invalid configuration:\n${lines.join("\n")}\nFix these in the environment or in .env.`,
    );
  }
  const e = parsed.data;
  const dataDir = resolve(cwd, e.DISPATCH_DATA_DIR || defaultDataDir(env));
  const credentials: Config["credentials"] = [];
  if (e.DISPATCH_BASE_URL || e.DISPATCH_API_KEY) {
    credentials.push({
      name: e.DISPATCH_CREDENTIAL ?? "opencode",
      providerId: "openai-compat",
      baseURL: e.DISPATCH_BASE_URL ?? DEFAULT_BASE_URL,
      ...(e.DISPATCH_API_KEY ? { apiKey: e.DISPATCH_API_KEY } : {}),
    });
  }
  if (e.UMANS_API_KEY) {
    credentials.push({
      name: "umans",
      providerId: "umans",
      baseURL: e.UMANS_BASE_URL ?? UMANS_BASE_URL,
      apiKey: e.UMANS_API_KEY,
    });
  }
  return {
    dataDir,
    dbPath: resolve(dataDir, e.DISPATCH_DB || "dispatch.db"),
    tokenPath: join(dataDir, "token"),
    journalPath: resolve(dataDir, e.DISPATCH_JOURNAL || join("journal", "app.ndjson")),
    traceDbPath: resolve(dataDir, e.DISPATCH_TRACE_DB || "traces.db"),
    hostname: e.DISPATCH_HOST || "127.0.0.1",
    httpPort: e.BACKEND_PORT,
    surfaceWsPort: e.SURFACE_WS_PORT,
    token: e.DISPATCH_TOKEN || undefined,
    authEnabled: e.DISPATCH_AUTH !== "off",
    allowedOrigins: e.DISPATCH_ALLOWED_ORIGINS,
    allowedHosts: e.DISPATCH_ALLOWED_HOSTS,
    credentials,
    defaultModel: defaultModelName(e.DISPATCH_MODEL, credentials),
    defaultCwd: resolve(cwd, e.DISPATCH_DEFAULT_CWD || cwd),
    externalExtensions: e.DISPATCH_EXTERNAL_EXTENSIONS,
    shutdownGraceMs: e.DISPATCH_SHUTDOWN_GRACE_MS,
    maxSteps: e.DISPATCH_MAX_STEPS,
    contextWindow: e.DISPATCH_CONTEXT_WINDOW,
    lsp: {
      trustProjectConfig: e.DISPATCH_LSP_TRUST_PROJECT === "on",
      ...(e.DISPATCH_LSP_TSSERVER ? { typescriptServerPath: resolve(cwd, e.DISPATCH_LSP_TSSERVER) } : {}),
    },
    cacheWarming: {
      enabledByDefault: e.DISPATCH_CACHE_WARMING === "on",
      intervalSeconds: e.DISPATCH_CACHE_WARM_INTERVAL_S,
      maxWarmsPerIdle: e.DISPATCH_CACHE_WARM_MAX,
    },
    logLevel: e.DISPATCH_LOG_LEVEL ?? "info",
    firecrawl: {
      ...(e.FIRECRAWL_API_URL ? { apiUrl: e.FIRECRAWL_API_URL } : {}),
      ...(e.FIRECRAWL_API_KEY ? { apiKey: e.FIRECRAWL_API_KEY } : {}),
    },
    transcriberUrl: e.DISPATCH_TRANSCRIBER_URL,
  };
}

/** `DISPATCH_MODEL` as `<credential>/<model>`; a bare model gets the first credential's name. */
function defaultModelName(model: string | undefined, credentials: Config["credentials"]): string | undefined {
  const first = credentials[0];
  if (!first) return undefined;
  if (!model) return undefined;
  const prefix = model.split("/")[0] ?? "";
  if (model.includes("/") && credentials.some((c) => c.name === prefix)) return model;
  return `${first.name}/${model}`;
}

/** Parses `.env` text (KEY=value, `#` comments, optional quotes). */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match?.[1]) continue;
    let value = match[2] ?? "";
    const quoted = /^(["'])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] ?? "";
    else value = value.replace(/\s+#.*$/, "");
    out[match[1]] = value;
  }
  return out;
}

/** Every secret value of the configuration, for redaction. */
export function configSecrets(config: Config): string[] {
  const secrets = config.credentials.flatMap((c) => (c.apiKey ? [c.apiKey] : []));
  if (config.token) secrets.push(config.token);
  if (config.firecrawl.apiKey) secrets.push(config.firecrawl.apiKey);
  return secrets;
}
