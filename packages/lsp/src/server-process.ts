/**
 * One language-server child process. It runs in its own process group so stopping it also stops
 * what it spawned (tsserver under typescript-language-server); every stream has a permanent error
 * listener; stderr is drained (a full pipe would block the server) keeping only its tail.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { PassThrough, type Readable, type Writable } from "node:stream";
import type { Logger } from "@dispatch/kernel";
import { spawnFailed } from "./errors.ts";

/** How the process ended. `spawnError` is set when it never started. */
export interface ProcessExit {
  code: number | null;
  signal: string | null;
  spawnError?: string;
}

/** A running (or ended) server process. */
export interface ServerProcess {
  readonly pid: number | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** Settles once, when the process has exited (and been reaped) or failed to start. */
  readonly exited: Promise<ProcessExit>;
  hasExited(): boolean;
  /** The last few KiB the server wrote to stderr. */
  stderrTail(): string;
  /**
   * Stops the process group: SIGTERM, then SIGKILL after `graceMs`, then SIGKILL to stragglers of
   * the group once the leader is gone. Resolves when the leader has exited and the group is empty
   * (or `graceMs` after that SIGKILL, if init is slow to reap orphans). Idempotent.
   */
  kill(graceMs: number): Promise<void>;
}

/** Options of `spawnServerProcess`. */
export interface SpawnOptions {
  command: readonly string[];
  cwd: string;
  env: Record<string, string>;
  logger: Logger;
}

const STDERR_TAIL = 2048;

/** Starts a server. A command that cannot start resolves `exited` with `spawnError`; it never throws. */
export function spawnServerProcess(options: SpawnOptions): ServerProcess {
  const [file, ...args] = options.command;
  let child: ChildProcessByStdio<Writable, Readable, Readable>;
  try {
    child = spawn(file ?? "", args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
  } catch (err) {
    return failedProcess(spawnFailed(file ?? "", err instanceof Error ? err.message : String(err)).message);
  }
  let tail = "";
  let ended: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.on("exit", (code, signal) => {
      ended ??= { code, signal };
      resolve(ended);
    });
    child.on("error", (err) => {
      options.logger.debug("language server process error", { error: err.message });
      if (child.pid === undefined) {
        ended ??= { code: null, signal: null, spawnError: spawnFailed(file ?? "", err.message).message };
        resolve(ended);
      }
    });
  });
  // Writes to a dead server fail with EPIPE; the exit is reported through `exited`.
  child.stdin.on("error", () => undefined);
  child.stdout.on("error", () => undefined);
  child.stderr.on("error", () => undefined);
  child.stderr.on("data", (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-STDERR_TAIL);
  });
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout,
    exited,
    hasExited: () => ended !== undefined,
    stderrTail: () => tail,
    kill(graceMs) {
      stopping ??= killGroup(child.pid, exited, () => ended !== undefined, graceMs);
      return stopping;
    },
  };
}

async function killGroup(
  pid: number | undefined,
  exited: Promise<ProcessExit>,
  hasExited: () => boolean,
  graceMs: number,
): Promise<void> {
  if (pid === undefined) return;
  if (!hasExited()) {
    signalGroup(pid, "SIGTERM", true);
    if (!(await settlesWithin(exited, graceMs))) signalGroup(pid, "SIGKILL", true);
    await exited;
  }
  // The leader is gone; anything it left in its group (a grandchild) goes too. Only the group:
  // the leader's pid itself may already belong to an unrelated process.
  signalGroup(pid, "SIGKILL", false);
  await groupGone(pid, graceMs);
}

/** Waits (bounded) until no process is left in group `pgid`; orphans are reaped by init. */
async function groupGone(pgid: number, ms: number): Promise<void> {
  for (let waited = 0; waited < ms; waited += 20) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals, leaderToo: boolean): void {
  try {
    process.kill(-pid, signal);
  } catch {
    if (!leaderToo) return;
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Whether `promise` settles within `ms`. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function failedProcess(spawnError: string): ServerProcess {
  const exit: ProcessExit = { code: null, signal: null, spawnError };
  return {
    pid: undefined,
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    exited: Promise.resolve(exit),
    hasExited: () => true,
    stderrTail: () => "",
    kill: () => Promise.resolve(),
  };
}
