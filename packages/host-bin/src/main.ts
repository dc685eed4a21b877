/**
 * The daemon's entry point and composition root: load and validate configuration, activate every
 * extension through the kernel host, serve, and shut down cleanly on SIGTERM/SIGINT (stop
 * accepting, give running turns their grace period, persist, deactivate, exit 0).
 */

import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createJournalSink, redactPatterns, secretsFromEnv } from "@dispatch/journal-sink";
import {
  createHost,
  createLogger,
  type Extension,
  errorMessage,
  type Host,
  type Logger,
  type Sleep,
} from "@dispatch/kernel";
import { runInBackground, toolSchemaTasks } from "./background.ts";
import { type Config, ConfigError, configSecrets, loadConfig, parseDotEnv } from "./config.ts";
import { createDeferredCollector } from "./deferred-collector.ts";
import { loadExternalExtensions } from "./external.ts";
import { installProcessGuards } from "./process-guards.ts";
import { createStderrSink, teeSink } from "./stderr-sink.ts";
import { ensureToken } from "./token.ts";

/** The daemon's version (the host-bin package's). */
export const VERSION = "0.1.0";

/** The extensions that accept clients. */
const TRANSPORTS = ["transport-ws", "transport-http"];

/** Extensions without which the daemon cannot serve; if one is disabled, boot fails. */
const ESSENTIAL = ["storage-sqlite", "conversation-store", "session-orchestrator", "transport-http"];

const sleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** Reads `.env` from `cwd` into `env` without overriding variables already set. */
export function applyDotEnv(env: Record<string, string | undefined>, cwd: string): void {
  const path = join(env.DISPATCH_ENV_FILE ?? join(cwd, ".env"));
  if (!existsSync(path)) return;
  for (const [key, value] of Object.entries(parseDotEnv(readFileSync(path, "utf8")))) {
    if (env[key] === undefined) env[key] = value;
  }
}

/** A running daemon. */
export interface Daemon {
  config: Config;
  host: Host;
  url: string;
  logger: Logger;
  /** Stops accepting, drains turns within the grace period, deactivates. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * How to run this program again: the compiled binary is its own entry point; in development it is
 * `bun <this file>`. The collector runs as `<self> collector …` in both.
 */
export function selfCommand(): string[] {
  return import.meta.path.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, import.meta.path];
}

/**
 * The daemon's own modules (every extension, the transports), imported on the daemon path only:
 * the `collector` subcommand runs this same program and must not evaluate what it never uses.
 */
async function daemonModules() {
  const [extensions, orchestrator, http, ws, idleGc] = await Promise.all([
    import("./extensions.ts"),
    import("@dispatch/session-orchestrator"),
    import("@dispatch/transport-http"),
    import("@dispatch/transport-ws"),
    import("./idle-gc.ts"),
  ]);
  return {
    bundledExtensions: extensions.bundledExtensions,
    collectWhenIdle: idleGc.collectWhenIdle,
    sessionOrchestratorService: orchestrator.sessionOrchestratorService,
    daemonInfoService: http.daemonInfoService,
    transportHttpService: http.transportHttpService,
    transportWsService: ws.transportWsService,
  };
}

/** Boots the daemon. Throws `ConfigError` or an `Error` that says what to fix. */
export async function startDaemon(env: Record<string, string | undefined>, cwd: string): Promise<Daemon> {
  const config = loadConfig(env, cwd);
  const dataDirOpen = ensurePrivateDir(config.dataDir);
  const token = config.authEnabled ? ensureToken(config.token, config.tokenPath) : undefined;
  const secrets = [...configSecrets(config), ...(token ? [token] : []), ...secretsFromEnv(env)];
  // Write-behind: the journal's redaction and writes happen after the turn's work of each macrotask
  // (journal-sink `writeBehind`); an exit that skips `shutdown` still writes what is waiting.
  const journal = createJournalSink({ path: config.journalPath, secrets: () => secrets, writeBehind: true });
  const flushJournal = () => journal.flush();
  process.on("exit", flushJournal);
  const closeJournal = () => {
    journal.close();
    process.off("exit", flushJournal);
  };
  const logger = createLogger({
    sink: teeSink(
      createStderrSink(
        config.logLevel,
        (line) => process.stderr.write(line),
        () => secrets,
      ),
      journal,
    ),
    now: Date.now,
    newId: () => crypto.randomUUID(),
    extensionId: "host-bin",
  });
  if (dataDirOpen) {
    logger.warn("the data directory is readable by other users; it holds conversations and logs", {
      path: config.dataDir,
      fix: `chmod 700 ${config.dataDir} (750 to share it with a service group)`,
    });
  }
  if (!config.authEnabled) {
    logger.warn("DISPATCH_AUTH=off: the API accepts requests without a token");
    if (!["127.0.0.1", "localhost", "::1"].includes(config.hostname)) {
      logger.error(
        `DISPATCH_AUTH=off on ${config.hostname}: anyone who can reach this address can run commands through the agent. ` +
          "Keep the token, or bind DISPATCH_HOST=127.0.0.1 behind a proxy that authenticates.",
      );
    }
  }
  if (config.credentials.length === 0) {
    logger.warn(
      "no model provider configured: set DISPATCH_BASE_URL (and DISPATCH_API_KEY if needed) to chat",
    );
  }

  const {
    bundledExtensions,
    collectWhenIdle,
    daemonInfoService,
    sessionOrchestratorService,
    transportHttpService,
    transportWsService,
  } = await daemonModules();
  const externals = await loadExternalExtensions(config.externalExtensions, cwd, logger);
  // The start-up JIT policy lasts until a client arrives (`endStartup`).
  const bundled = bundledExtensions(config, token, endStartup);
  const isTransport = (extension: Extension) => TRANSPORTS.includes(extension.manifest.id);
  // Transports activate last (ties keep list order), so nothing is served before every other
  // extension, external ones included, is active: no turn starts without all of its tools.
  const extensions: Extension[] = [
    ...bundled.filter((extension) => !isTransport(extension)),
    ...externals,
    ...bundled.filter(isTransport),
  ];
  const host = createHost({ extensions, logger, now: Date.now, sleep });
  const collector = createDeferredCollector({
    command: [...selfCommand(), "collector", "--journal", config.journalPath, "--db", config.traceDbPath],
    logger: logger.child({ extensionId: "collector-supervisor" }),
  });
  host.api.provideService(daemonInfoService, {
    version: VERSION,
    startedAt: Date.now(),
    dataDir: config.dataDir,
    credentials: config.credentials.map(({ name, providerId, baseURL }) => ({ name, providerId, baseURL })),
    defaultModel: config.defaultModel ?? null,
    surfaceWsUrl: () => host.api.tryGetService(transportWsService)?.url ?? null,
    collector: () => collector.state(),
  });
  await host.activate();
  for (const status of host.status()) {
    if (status.state === "disabled")
      logger.error("extension disabled", { id: status.id, reason: status.reason ?? "" });
  }
  const broken = host.status().filter((s) => ESSENTIAL.includes(s.id) && s.state !== "active");
  if (broken.length > 0) {
    await host.deactivate();
    closeJournal();
    throw new Error(broken.map((s) => `${s.id} could not start: ${s.reason ?? "unknown reason"}`).join("\n"));
  }

  // Only once the daemon listens, and a moment later: see `deferred-collector.ts`.
  collector.schedule();
  // What the first turn would derive itself, in the background, one small task per macrotask.
  void runInBackground(toolSchemaTasks(host.api.tools()), (err) =>
    logger.warn("deriving a tool's JSON schema failed; turns will try again", { err }),
  );
  const http = host.api.getService(transportHttpService);
  const orchestrator = host.api.getService(sessionOrchestratorService);
  const stopIdleGc = collectWhenIdle(host.api, orchestrator);
  let stopping: Promise<void> | undefined;
  return {
    config,
    host,
    url: http.url,
    logger,
    shutdown() {
      stopping ??= (async () => {
        logger.info("shutting down", { graceMs: config.shutdownGraceMs });
        http.stopAccepting();
        host.api.tryGetService(transportWsService)?.stopAccepting();
        await orchestrator.shutdown(config.shutdownGraceMs);
        stopIdleGc();
        await host.deactivate();
        await collector.stop();
        logger.info("stopped");
        closeJournal();
      })();
      return stopping;
    },
  };
}

/**
 * Creates `dir` (and missing parents) private to this user; true when it already existed with
 * permissions for other users (left as they are: an operator may share it on purpose).
 */
function ensurePrivateDir(dir: string): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return (statSync(dir).mode & 0o007) !== 0;
}

/**
 * Back to the normal JIT policy. The compiled binary starts with JavaScriptCore's tier-up
 * thresholds raised (`bin/build`: `--compile-jit-policy`), so code that runs only while starting
 * is not compiled by the optimizing JITs (time and memory). The daemon keeps that policy until the
 * first client reaches a transport (a request other than `GET /health`, or a WebSocket): what an
 * idle daemon runs after `listen` (the background work, the collector's supervision, timers) is
 * not compiled either — 4 MB of idle memory (notes/performance.md). From then on hot code is
 * compiled as usual. A no-op when run from source.
 */
function endStartup(): void {
  Bun.unsafe.setJITPolicy(1);
}

/** Runs the daemon until SIGTERM/SIGINT, or the `collector` subcommand. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  if (argv[0] === "collector") {
    const collector = await import("@dispatch/observability-collector");
    endStartup();
    process.exit(await collector.main(argv.slice(1)));
  }
  // Before boot: an extension's stray rejection during activation must not end the daemon either.
  let guardLogger: Logger | undefined;
  installProcessGuards((what, err) => {
    if (guardLogger) guardLogger.error(what, { err });
    else process.stderr.write(`${what}: ${redactPatterns(errorMessage(err))}\n`);
  });
  // Signals are handled from the start: one that arrives while booting stops the daemon as soon
  // as it is up (a service manager may stop it at any moment), a second one exits at once.
  let daemon: Daemon | undefined;
  let signals = 0;
  let stopRequested = false;
  const stop = (running: Daemon) => {
    void running.shutdown().then(
      () => process.exit(0),
      (err) => {
        running.logger.error("shutdown failed", { err });
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      if (daemon) daemon.logger.warn("second signal: exiting without waiting", { signal });
      process.exit(1);
    }
    if (daemon) stop(daemon);
    else stopRequested = true;
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  applyDotEnv(process.env, process.cwd());
  try {
    daemon = await startDaemon(process.env, process.cwd());
  } catch (err) {
    const message =
      err instanceof ConfigError ? err.message : `dispatch-server failed to start: ${(err as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
  guardLogger = daemon.logger;
  process.stderr.write(`dispatch-server listening on ${daemon.url}\n`);
  if (stopRequested) stop(daemon);
}

if (import.meta.main) await main();
