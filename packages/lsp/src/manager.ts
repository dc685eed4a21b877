/**
 * The client manager: one client per (server, workspace root), spawned lazily, concurrent starts
 * shared. A server that fails (cannot start, hangs in initialize, dies or wedges) is remembered
 * with its config fingerprint and retried only after an exponential backoff or a config change.
 * Idle clients are stopped; `shutdown` stops every client and waits for each process to end.
 */
import { createHash } from "node:crypto";
import type { Logger } from "@dispatch/kernel";
import type { ClientLimits, ClientOptions, LspClient } from "./client.ts";
import type { ServerConfig } from "./config.ts";
import { LspError, seconds } from "./errors.ts";

/** Backoff after failures: `initialMs`, doubled per consecutive failure, at most `maxMs`. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/** Options of `createLspManager`. */
export interface LspManagerOptions {
  logger: Logger;
  /** Epoch milliseconds; injected so backoff can be tested. */
  now(): number;
  /** Base environment of every server (a server's own `env` is added). */
  env: Record<string, string>;
  limits: ClientLimits;
  backoff: BackoffOptions;
  /** Clients unused this long are stopped. */
  idleMs: number;
  /** Called when a client starts, becomes ready, fails or stops. Contract: must not throw. */
  onChange?(): void;
}

/** The result of asking for a client. */
export type Acquired =
  | { kind: "ready"; client: LspClient }
  /** Still starting at the deadline; `ready` settles when it is (never rejects). */
  | { kind: "starting"; ready: Promise<LspClient | undefined> }
  | { kind: "unavailable"; reason: string };

/** A client's place in the manager, for status. */
export interface ClientState {
  serverId: string;
  root: string;
  state: "connected" | "starting" | "error";
  error?: string;
  pid?: number;
}

/** The manager. */
export interface LspManager {
  /**
   * A ready client for `server` at `root`, starting one if needed, waiting at most until `deadline`
   * (epoch ms of the real clock; the injected `now` only drives backoff and idleness).
   */
  acquire(server: ServerConfig, root: string, deadline: number, signal?: AbortSignal): Promise<Acquired>;
  /** What the manager knows about (server, root) pairs: running, starting, failed. */
  states(): ClientState[];
  /** Running clients. */
  clients(): LspClient[];
  /** How many processes were spawned for `serverId` so far (all roots). */
  spawnCount(serverId: string): number;
  /** Stops every client and waits for their processes. Later `acquire` calls are refused. */
  shutdown(): Promise<void>;
}

interface Broken {
  fingerprint: string;
  failures: number;
  error: string;
  retryAt: number;
}

interface Live {
  client: LspClient;
  fingerprint: string;
  startedAt: number;
  lastUsed: number;
}

/** A manager with no clients yet. */
export function createLspManager(options: LspManagerOptions): LspManager {
  const { logger, now } = options;
  const changed = (): void => options.onChange?.();
  const live = new Map<string, Live>();
  const starting = new Map<string, { fingerprint: string; promise: Promise<LspClient | undefined> }>();
  const broken = new Map<string, Broken>();
  const spawns = new Map<string, number>();
  const closing = new AbortController();
  const stopping = new Set<Promise<void>>();
  let closed = false;

  const stopClient = (client: LspClient): void => {
    const stopped = client.stop();
    stopping.add(stopped);
    const done = (): void => {
      stopping.delete(stopped);
      changed();
    };
    stopped.then(done, done);
  };

  const recordFailure = (key: string, fingerprint: string, error: LspError, uptimeMs: number): void => {
    const previous = broken.get(key);
    // A server that ran longer than the longest backoff starts counting afresh.
    const earlier =
      previous?.fingerprint === fingerprint && uptimeMs < options.backoff.maxMs ? previous.failures : 0;
    const failures = earlier + 1;
    const delay = Math.min(options.backoff.initialMs * 2 ** (failures - 1), options.backoff.maxMs);
    broken.set(key, { fingerprint, failures, error: error.message, retryAt: now() + delay });
    changed();
  };

  const start = (server: ServerConfig, root: string, key: string, fingerprint: string) => {
    spawns.set(server.id, (spawns.get(server.id) ?? 0) + 1);
    const log = logger.child({ attributes: { server: server.id, root } });
    log.info("starting language server", { command: server.command[0] ?? "" });
    const startedAt = now();
    let client: LspClient | undefined;
    // Loaded with the first server (with vscode-jsonrpc): a daemon that never starts one never loads it.
    const promise = startClientLater({
      ...options.limits,
      server,
      root,
      env: { ...options.env, ...server.env },
      logger: log,
      signal: closing.signal,
      onFailure: (error) => {
        const entry = live.get(key);
        if (entry === undefined || entry.client !== client) return;
        live.delete(key);
        recordFailure(key, fingerprint, error, now() - entry.startedAt);
        log.warn("language server failed; it will be retried after a backoff", { error: error.message });
      },
    }).then(
      (started) => {
        client = started;
        starting.delete(key);
        if (closed) {
          stopClient(started);
          return undefined;
        }
        if (!started.alive()) {
          recordFailure(
            key,
            fingerprint,
            new LspError("SERVER_EXITED", "the server exited right after initialize"),
            0,
          );
          return undefined;
        }
        broken.delete(key);
        live.set(key, { client: started, fingerprint, startedAt, lastUsed: now() });
        changed();
        log.info("language server ready", { pid: started.pid ?? -1 });
        return started;
      },
      (err: LspError) => {
        starting.delete(key);
        if (!closed) {
          recordFailure(key, fingerprint, err, 0);
          log.warn("language server could not start", { error: err.message });
        }
        return undefined;
      },
    );
    starting.set(key, { fingerprint, promise });
    changed();
    return promise;
  };

  const sweep = setInterval(
    () => {
      for (const [key, entry] of live) {
        if (now() - entry.lastUsed < options.idleMs) continue;
        live.delete(key);
        logger.info("stopping idle language server", {
          server: entry.client.server.id,
          root: entry.client.root,
        });
        stopClient(entry.client);
      }
    },
    Math.max(1_000, Math.min(options.idleMs / 2, 60_000)),
  );
  sweep.unref?.();

  return {
    async acquire(server, root, deadline, signal) {
      if (closed) return { kind: "unavailable", reason: "the language servers are shutting down" };
      const key = `${server.id}\u0000${root}`;
      const fingerprint = fingerprintOf(server, root);
      const current = live.get(key);
      if (current !== undefined && current.fingerprint === fingerprint && current.client.alive()) {
        current.lastUsed = now();
        return { kind: "ready", client: current.client };
      }
      if (current !== undefined) {
        // The configuration changed (or the client died): replace it.
        live.delete(key);
        stopClient(current.client);
      }
      const failed = broken.get(key);
      if (failed !== undefined && failed.fingerprint === fingerprint && now() < failed.retryAt) {
        return { kind: "unavailable", reason: unavailableReason(failed, now()) };
      }
      const pending = starting.get(key);
      const promise =
        pending !== undefined && pending.fingerprint === fingerprint
          ? pending.promise
          : start(server, root, key, fingerprint);
      const client = await waitUntil(promise, deadline - Date.now(), signal);
      if (client === "timeout") return { kind: "starting", ready: promise };
      if (client !== undefined) return { kind: "ready", client };
      const after = broken.get(key);
      return {
        kind: "unavailable",
        reason: after === undefined ? "the server did not start" : unavailableReason(after, now()),
      };
    },
    states() {
      const out: ClientState[] = [];
      for (const [key, entry] of live) out.push({ ...split(key), state: "connected", ...pid(entry.client) });
      for (const key of starting.keys()) out.push({ ...split(key), state: "starting" });
      for (const [key, entry] of broken) {
        if (live.has(key) || starting.has(key)) continue;
        out.push({ ...split(key), state: "error", error: unavailableReason(entry, now()) });
      }
      return out;
    },
    clients: () => [...live.values()].map((entry) => entry.client),
    spawnCount: (serverId) => spawns.get(serverId) ?? 0,
    async shutdown() {
      closed = true;
      clearInterval(sweep);
      closing.abort();
      for (const entry of live.values()) stopClient(entry.client);
      live.clear();
      // Starts still in flight are aborted; one that finishes anyway stops its client (above).
      await Promise.all([...starting.values()].map((entry) => entry.promise));
      await Promise.all([...stopping]);
    },
  };
}

function unavailableReason(failed: Broken, now: number): string {
  const wait = Math.max(0, failed.retryAt - now);
  const attempts = failed.failures === 1 ? "" : ` (${failed.failures} failures in a row)`;
  return `${failed.error}${attempts}; not retried for ${seconds(wait)}, or sooner if its configuration changes`;
}

function split(key: string): { serverId: string; root: string } {
  const at = key.indexOf("\u0000");
  return { serverId: key.slice(0, at), root: key.slice(at + 1) };
}

function pid(client: LspClient): { pid?: number } {
  return client.pid === undefined ? {} : { pid: client.pid };
}

/** A stable hash of everything that shapes a server process. */
export function fingerprintOf(server: ServerConfig, root: string): string {
  const shape = {
    command: server.command,
    env: server.env,
    initialization: server.initialization(root) ?? null,
    settings: server.settings ?? null,
  };
  return createHash("sha256").update(stableJson(shape)).digest("hex");
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

async function waitUntil<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<T | "timeout"> {
  if (ms <= 0 || signal?.aborted) return "timeout";
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
    onAbort = () => resolve("timeout");
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
  }
}

/** `client.ts` `startClient`, loading the client code (and vscode-jsonrpc) on the first call. */
async function startClientLater(options: ClientOptions): Promise<LspClient> {
  const { startClient } = await import("./client.ts");
  return startClient(options);
}
