/**
 * Test support (not part of the package build): runs the real CLI as a child process, capturing
 * its output and exit code. The daemon side comes from host-bin's `spawnDaemon` (re-exported).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export {
  type DaemonProcess,
  freePort,
  spawnDaemon,
  TEST_TOOLS_EXTENSION,
} from "@dispatch/host-bin/testing";

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
