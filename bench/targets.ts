/**
 * What is measured: the real daemon started by its own start command (the compiled
 * `dist/dispatch-server` when `bin/build` exists, else `bun packages/host-bin/src/main.ts`) and the
 * bare relay in the same form. Each start is timed from spawn to the first 200 from `/health`.
 */
import { existsSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { preciseNow } from "@dispatch/testkit";

/** The repository root. */
export const ROOT = join(import.meta.dir, "..");

/** How a program is started, and how the table names it. */
export interface Command {
  argv: string[];
  label: string;
}

/** A started daemon or relay. */
export interface Target {
  kind: "dispatch" | "relay";
  pid: number;
  url: string;
  /** `ws://…` of the chat WebSocket (the daemon's `SURFACE_WS_PORT`, the relay's `/ws`). */
  wsUrl: string;
  /** Bearer token for HTTP and the WebSocket subprotocol; undefined for the relay. */
  token: string | undefined;
  /** Spawn to the first 200 from `/health`, in ms. */
  startMs: number;
  /** Headers for a JSON request (content type and, for the daemon, the bearer token). */
  headers: Record<string, string>;
  /** Where its stderr goes. */
  logPath: string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it exited. */
  stop(): Promise<void>;
}

/** Options shared by both starts. */
export interface StartOptions {
  command: Command;
  modelBaseURL: string;
  /** A scratch directory for this target (data dir, log). */
  dir: string;
  /** Extra environment, e.g. `HOME` or `DISPATCH_EXTERNAL_EXTENSIONS`. */
  env?: Record<string, string>;
}

const BENCH_TOKEN = "bench-token-0123456789abcdef0123456789abcdef";

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = server.port ?? 0;
  void server.stop(true);
  return port;
}

/** The daemon's start command: runs `bin/build` when it exists and uses its binary. */
export async function resolveDaemonCommand(log: (line: string) => void): Promise<Command> {
  const build = join(ROOT, "bin", "build");
  const binary = join(ROOT, "dist", "dispatch-server");
  if (existsSync(build)) {
    const proc = Bun.spawn([build], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    const code = await proc.exited;
    if (code === 0 && existsSync(binary)) return { argv: [binary], label: "dist/dispatch-server (compiled)" };
    const stderr = await new Response(proc.stderr).text();
    log(`bin/build failed (exit ${code}); measuring bun main.ts instead\n${stderr.slice(-2000)}`);
  }
  return {
    argv: [process.execPath, join(ROOT, "packages", "host-bin", "src", "main.ts")],
    label: "bun packages/host-bin/src/main.ts",
  };
}

/** The relay's command, in the same form as the daemon's (compiled when the daemon is). */
export async function resolveRelayCommand(daemon: Command, dir: string): Promise<Command> {
  const source = join(import.meta.dir, "relay.ts");
  if (!daemon.label.includes("compiled"))
    return { argv: [process.execPath, source], label: "bun bench/relay.ts" };
  const outfile = join(dir, "relay");
  const proc = Bun.spawn([process.execPath, "build", "--compile", source, "--outfile", outfile], {
    stdout: "ignore",
    stderr: "pipe",
  });
  if ((await proc.exited) !== 0)
    throw new Error(`compiling the relay failed: ${await new Response(proc.stderr).text()}`);
  return { argv: [outfile], label: "bench/relay.ts (compiled)" };
}

async function waitHealthy(proc: Bun.Subprocess, url: string, logPath: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) {
      throw new Error(`${url} exited with ${proc.exitCode} before serving; see ${logPath}`);
    }
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${url} did not answer /health within 20 s; see ${logPath}`);
    }
    await Bun.sleep(1);
  }
}

async function start(
  kind: Target["kind"],
  options: StartOptions,
  env: Record<string, string>,
  urls: { url: string; wsUrl: string },
  token: string | undefined,
): Promise<Target> {
  mkdirSync(options.dir, { recursive: true });
  const logPath = join(options.dir, `${kind}.log`);
  const spawnedAt = preciseNow();
  const proc = Bun.spawn(options.command.argv, {
    cwd: options.dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: options.dir, ...env },
    stdin: "ignore",
    stdout: "ignore",
    stderr: openSync(logPath, "a"),
  });
  await waitHealthy(proc, urls.url, logPath);
  const startMs = preciseNow() - spawnedAt;
  return {
    kind,
    pid: proc.pid,
    ...urls,
    token,
    startMs,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    logPath,
    async stop() {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}

/** Starts the daemon on free ports with its data dir under `options.dir`, token auth on. */
export function startDispatch(options: StartOptions): Promise<Target> {
  const port = freePort();
  const wsPort = freePort();
  const env = {
    DISPATCH_DATA_DIR: join(options.dir, "data"),
    BACKEND_PORT: String(port),
    SURFACE_WS_PORT: String(wsPort),
    DISPATCH_TOKEN: BENCH_TOKEN,
    DISPATCH_BASE_URL: options.modelBaseURL,
    DISPATCH_MODEL: "scripted-model",
    ...options.env,
  };
  const urls = { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${wsPort}` };
  return start("dispatch", options, env, urls, BENCH_TOKEN);
}

/** Starts the relay on a free port. */
export function startRelay(options: StartOptions): Promise<Target> {
  const port = freePort();
  const env = { RELAY_PORT: String(port), MODEL_BASE_URL: options.modelBaseURL, ...options.env };
  const urls = { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws` };
  return start("relay", options, env, urls, undefined);
}
