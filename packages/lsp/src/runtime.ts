/**
 * Assembles the package's parts from one option bag: the manager (processes), the engine (config,
 * roots, per-write diagnostics), the `lsp` tool, the service and the status-surface provider. The
 * extension registers them with the host; tests and embedders may use the runtime directly.
 */
import type { Logger, Tool } from "@dispatch/kernel";
import type { SurfaceProvider } from "@dispatch/surface-registry";
import type { ContainmentOptions } from "@dispatch/tool-kit";
import { createLspEngine, type LspEngine } from "./engine.ts";
import { type BackoffOptions, createLspManager, type LspManager } from "./manager.ts";
import type { LspService } from "./service.ts";
import { createLspStatusSurface } from "./status-surface.ts";
import { createLspTool } from "./tool.ts";

/** Options of the `lsp` extension (and runtime). Every field has a default. */
export interface LspOptions {
  /**
   * Spawn servers defined in a cwd's `.dispatch/lsp.json` or `opencode.json` (commands chosen by
   * the repository). Default `false`: those files may then only disable servers.
   */
  trustProjectConfig?: boolean;
  /** Offer the built-in servers found on PATH. Default `true`. */
  enableBuiltins?: boolean;
  /**
   * `tsserver.js` for the built-in TypeScript server when the workspace has no
   * `node_modules/typescript/lib/tsserver.js` (TypeScript 7 ships none). Default: none.
   */
  typescriptServerPath?: string;
  /**
   * The environment servers run with (their config's `env` is added). Default: a small allowlist of
   * the daemon's variables (PATH, HOME, locale, toolchain homes) so no secret reaches a server.
   */
  env?: Record<string, string | undefined>;
  /** How long a write waits for its diagnostics. Default 10 s. */
  diagnosticsTimeoutMs?: number;
  /** Time limit of one `lsp` tool call, server start included. Default 30 s. */
  toolTimeoutMs?: number;
  /** Time limit of one request to a running server. Default 15 s. */
  requestTimeoutMs?: number;
  /** Time limit of a server's `initialize`. Default 30 s. */
  initializeTimeoutMs?: number;
  /** Push diagnostics count as settled after this long without another push. Default 500 ms. */
  settleMs?: number;
  /** A clean file that gets no push within this long is taken as still clean. Default 1 s. */
  quietMs?: number;
  /** Retry delays of a failed server. Default 30 s doubling up to 10 min. */
  backoff?: Partial<BackoffOptions>;
  /** Servers unused this long are stopped. Default 30 min. */
  idleMs?: number;
  /** Open documents per server before the least recently used is closed. Default 50. */
  maxOpenDocuments?: number;
  /** Where the `lsp` tool may read (as for the file tools). */
  containment?: ContainmentOptions;
  /** Register the `lsp-status` surface (needs the `surface-registry` extension). Default `true`. */
  statusSurface?: boolean;
  /** The clock (epoch ms). Default: the host's. */
  now?: () => number;
}

/** What `createLspRuntime` needs besides the options. */
export interface LspRuntimeOptions extends LspOptions {
  logger: Logger;
}

/** The assembled parts. */
export interface LspRuntime {
  readonly manager: LspManager;
  readonly engine: LspEngine;
  readonly tool: Tool;
  readonly service: LspService;
  readonly surface: SurfaceProvider;
}

const SERVER_ENV_ALLOWLIST = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "TMPDIR",
  "XDG_CACHE_HOME",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "NODE_PATH",
  "GOPATH",
  "GOROOT",
  "GOCACHE",
  "GOMODCACHE",
  "GOFLAGS",
  "CARGO_HOME",
  "RUSTUP_HOME",
  "RUSTUP_TOOLCHAIN",
  "VIRTUAL_ENV",
  "CONDA_PREFIX",
];

/** The default server environment: the allowlisted variables of `source`. */
export function allowlistedEnv(source: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of SERVER_ENV_ALLOWLIST) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Builds the parts. Nothing is spawned until a file is written or asked about. */
export function createLspRuntime(options: LspRuntimeOptions): LspRuntime {
  const now = options.now ?? Date.now;
  const env = definedOnly(options.env ?? allowlistedEnv(process.env));
  const listeners = new Set<() => void>();
  const manager = createLspManager({
    logger: options.logger,
    now,
    env,
    limits: {
      initializeTimeoutMs: options.initializeTimeoutMs ?? 30_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
      maxOpenDocuments: options.maxOpenDocuments ?? 50,
      settleMs: options.settleMs ?? 500,
      quietMs: options.quietMs ?? 1_000,
    },
    backoff: { initialMs: options.backoff?.initialMs ?? 30_000, maxMs: options.backoff?.maxMs ?? 600_000 },
    idleMs: options.idleMs ?? 30 * 60_000,
    onChange: () => {
      for (const listener of listeners) listener();
    },
  });
  const engine = createLspEngine({
    manager,
    diagnosticsTimeoutMs: options.diagnosticsTimeoutMs ?? 10_000,
    config: {
      trustProjectConfig: options.trustProjectConfig ?? false,
      enableBuiltins: options.enableBuiltins ?? true,
      searchPath: env.PATH,
      ...(options.typescriptServerPath === undefined
        ? {}
        : { typescriptServerPath: options.typescriptServerPath }),
    },
  });
  const tool = createLspTool({
    engine,
    timeoutMs: options.toolTimeoutMs ?? 30_000,
    ...(options.containment === undefined ? {} : { containment: options.containment }),
  });
  const service: LspService = {
    status: (cwd) => engine.status(cwd),
    async diagnosticsAfterWrite(input) {
      try {
        return await engine.diagnosticsAfterWrite(input);
      } catch (err) {
        options.logger.warn("per-write diagnostics failed", { err });
        return { notes: [], timedOut: false };
      }
    },
    servers: () => manager.states(),
    shutdown: () =>
      manager.shutdown().catch((err: unknown) => options.logger.error("LSP shutdown failed", { err })),
  };
  const surface = createLspStatusSurface(() => manager.states(), listeners);
  return { manager, engine, tool, service, surface };
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
