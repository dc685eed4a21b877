/**
 * Starts the real daemon as a child process (its own start command, as a service would) and waits
 * until `/health` answers. Used by the end-to-end tests and the benchmarks.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A daemon child process. */
export interface DaemonProcess {
  url: string;
  /** The surface WebSocket's URL. */
  wsUrl: string;
  /** The bearer token (given, or read from the data dir), or undefined when auth is off or it came from elsewhere. */
  token: string | undefined;
  proc: ReturnType<typeof Bun.spawn>;
  /** Everything the daemon wrote to stderr so far. */
  stderr(): string;
  /** Sends SIGTERM and waits for exit; returns the exit code. */
  stop(): Promise<number>;
  /** Sends SIGKILL and waits for exit. */
  kill(): Promise<void>;
  /** `fetch` against the daemon with the token. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Where the entry point lives. */
export const MAIN_PATH = join(import.meta.dir, "main.ts");
/** The external test extension with the `echo` and `wait` tools (for DISPATCH_EXTERNAL_EXTENSIONS). */
export const TEST_TOOLS_EXTENSION = join(import.meta.dir, "fixtures", "test-tools-extension.ts");

/** Options of `spawnDaemon`. */
export interface SpawnDaemonOptions {
  dataDir: string;
  /** The command to run; default `bun <main.ts>` (a compiled `dispatch-server` works too). */
  command?: readonly string[];
  /**
   * Default true: set DISPATCH_DATA_DIR, BACKEND_PORT and SURFACE_WS_PORT. False: only PATH, HOME
   * and `env` (the daemon reads the rest from `.env` in `cwd`; `env.BACKEND_PORT` must name its port).
   */
  setPaths?: boolean;
  /** Extra environment (merged over a clean environment with PATH and HOME only). */
  env?: Record<string, string>;
  /** Port to bind; default 0 is not possible for a child, so a free port is picked. */
  port?: number;
  cwd?: string;
  timeoutMs?: number;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = server.port ?? 0;
  void server.stop(true);
  return port;
}

/** Spawns the daemon (`bun main.ts` unless told otherwise) and waits for `/health`. */
export async function spawnDaemon(options: SpawnDaemonOptions): Promise<DaemonProcess> {
  const setPaths = options.setPaths ?? true;
  const port = options.port ?? (setPaths ? freePort() : Number(options.env?.BACKEND_PORT));
  const wsPort = freePort();
  let stderrText = "";
  const paths = setPaths
    ? { DISPATCH_DATA_DIR: options.dataDir, BACKEND_PORT: String(port), SURFACE_WS_PORT: String(wsPort) }
    : {};
  const proc = Bun.spawn([...(options.command ?? [process.execPath, MAIN_PATH])], {
    cwd: options.cwd ?? options.dataDir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? options.dataDir,
      ...paths,
      ...options.env,
    },
    stdout: "ignore",
    stderr: "pipe",
  });
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) stderrText += decoder.decode(chunk);
  })();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`daemon exited with ${proc.exitCode} before serving:\n${stderrText}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`daemon did not answer /health in time:\n${stderrText}`);
    }
    await Bun.sleep(20);
  }
  const authOff = options.env?.DISPATCH_AUTH === "off";
  const tokenFile = join(options.dataDir, "token");
  const token = authOff
    ? undefined
    : (options.env?.DISPATCH_TOKEN ??
      (existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : undefined));
  return {
    url,
    wsUrl: `ws://127.0.0.1:${options.env?.SURFACE_WS_PORT ?? wsPort}`,
    token,
    proc,
    stderr: () => stderrText,
    async stop() {
      proc.kill("SIGTERM");
      return await proc.exited;
    },
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (token && !headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
      return fetch(`${url}${path}`, { ...init, headers });
    },
  };
}

/** Reads an NDJSON response body line by line. */
export async function* readNdjson<T = unknown>(response: Response): AsyncGenerator<T> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim() !== "") yield JSON.parse(line) as T;
      newline = buffer.indexOf("\n");
    }
  }
  if (buffer.trim() !== "") yield JSON.parse(buffer) as T;
}
