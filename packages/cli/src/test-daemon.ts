/**
 * Test support (not part of the package build): starts a real daemon as a child process — the
 * source entry point or a compiled binary — and runs the real CLI as a child process, capturing
 * its output and exit code.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The daemon's source entry point (beside host-bin's public `index.ts`). */
export const HOST_MAIN = join(dirname(fileURLToPath(import.meta.resolve("@dispatch/host-bin"))), "main.ts");
/** host-bin's test extension with the `echo` and `wait` tools. */
export const TEST_TOOLS_EXTENSION = join(dirname(HOST_MAIN), "fixtures", "test-tools-extension.ts");
/** The CLI's source entry point. */
export const CLI_MAIN = join(import.meta.dir, "main.ts");
/** The repository root. */
export const REPO_ROOT = join(import.meta.dir, "..", "..", "..");

/** A fresh temporary directory; remove it with `removeDir`. */
export function tempDir(prefix = "dispatch-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Removes a directory tree. */
export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = server.port ?? 0;
  void server.stop(true);
  return port;
}

/** A running daemon child. */
export interface TestDaemon {
  url: string;
  pid: number;
  port: number;
  dataDir: string;
  token: string;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>;
  /** `fetch` with the token. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Options of `startTestDaemon`. */
export interface StartDaemonOptions {
  /** The command; default `bun <host-bin main.ts>`. */
  command?: string[];
  dataDir: string;
  cwd?: string;
  env?: Record<string, string>;
  /** When false, the environment is only `env` plus PATH/HOME (the binary reads `.env` in `cwd`). */
  setPaths?: boolean;
}

/** Starts a daemon and waits until `/health` answers. */
export async function startTestDaemon(options: StartDaemonOptions): Promise<TestDaemon> {
  const port = Number(options.env?.BACKEND_PORT ?? freePort());
  const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: options.dataDir };
  const paths =
    options.setPaths === false ? {} : { DISPATCH_DATA_DIR: options.dataDir, BACKEND_PORT: String(port) };
  const proc = Bun.spawn(options.command ?? [process.execPath, HOST_MAIN], {
    cwd: options.cwd ?? options.dataDir,
    env: { ...base, ...paths, ...options.env },
    stdout: "ignore",
    stderr: "pipe",
  });
  let stderrText = "";
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) stderrText += decoder.decode(chunk, { stream: true });
  })();
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (proc.exitCode !== null) throw new Error(`daemon exited with ${proc.exitCode}:\n${stderrText}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (attempt > 500) {
      proc.kill("SIGKILL");
      throw new Error(`daemon did not answer /health:\n${stderrText}`);
    }
    await Bun.sleep(20);
  }
  const token = options.env?.DISPATCH_TOKEN ?? readFileSync(join(options.dataDir, "token"), "utf8").trim();
  return {
    url,
    pid: proc.pid,
    port,
    dataDir: options.dataDir,
    token,
    stderr: () => stderrText,
    async stop() {
      proc.kill("SIGTERM");
      return await proc.exited;
    },
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${token}`);
      return fetch(`${url}${path}`, { ...init, headers });
    },
  };
}

/** The outcome of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of a CLI run. */
export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  stdin?: string;
  /** Default `bun <cli main.ts>`. */
  command?: string[];
}

function cliEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent", NO_COLOR: "1", ...env };
}

/** Starts the CLI; the caller reads `proc.stdout` / `proc.stderr`. */
export function spawnCli(args: readonly string[], options: CliOptions = {}) {
  return Bun.spawn([...(options.command ?? [process.execPath, CLI_MAIN]), ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: cliEnv(options.env),
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Runs the CLI to completion. */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const proc = spawnCli(args, options);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** Reads a child's stdout line by line; `next()` resolves with the next full line, or undefined at the end. */
export function lineReader(stream: ReadableStream<Uint8Array>): {
  next(): Promise<string | undefined>;
  seen: string[];
} {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const seen: string[] = [];
  let buffer = "";
  return {
    seen,
    async next() {
      for (;;) {
        const newline = buffer.indexOf("\n");
        if (newline !== -1) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          seen.push(line);
          return line;
        }
        const { value, done } = await reader.read();
        if (done) return undefined;
        buffer += decoder.decode(value, { stream: true });
      }
    },
  };
}
