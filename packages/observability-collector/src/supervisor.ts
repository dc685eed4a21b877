/**
 * Keeps the collector process alive for the daemon: restart with doubling backoff after an
 * unexpected exit, give up after too many crashes in a window (logging that the collector is down,
 * while the daemon keeps serving), and on `stop` let it drain (SIGTERM) before killing it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { getPriority, setPriority } from "node:os";
import { createInterface } from "node:readline";
import type { Logger } from "@dispatch/kernel";
import { COLLECTOR_READY_MSG, parseChildLogLine } from "./child-log.ts";

/** Options of `createCollectorSupervisor`. */
export interface CollectorSupervisorOptions {
  /**
   * The argv to spawn, e.g. `[process.execPath, "collector", "--journal", j, "--db", d]`; the
   * supervisor appends `--parent <its pid>`.
   */
  command: readonly string[];
  /** The daemon's logger; the collector's own log lines are re-logged through it. */
  logger: Logger;
  /** Restarts allowed within `windowMs` before giving up; default 5. */
  maxRestarts?: number;
  /** Default 60 s. */
  windowMs?: number;
  /** First restart delay, doubled per crash in the window; default 500 ms. */
  backoffMs?: number;
  /** Default 10 s. */
  maxBackoffMs?: number;
  /** The child's environment. Default: only PATH, HOME, TMPDIR and LANG, so no secret reaches it. */
  env?: Readonly<Record<string, string>>;
  /**
   * How much nicer than the daemon the collector runs (added to the daemon's own nice value, capped
   * at 19); default `COLLECTOR_NICENESS`. 0 keeps the daemon's priority.
   */
  niceness?: number;
}

/**
 * The collector is a batch job (parse, hash and compress what the journal received): on a small
 * machine it yields the CPU to the daemon, the model and the clients, and catches up when they idle.
 */
export const COLLECTOR_NICENESS = 10;
/** The lowest scheduling priority (the highest nice value) on Linux and macOS. */
const MAX_NICE = 19;

/** Where the supervised collector stands. */
export type CollectorState = "running" | "restarting" | "gave-up" | "stopped";

/** The supervisor. Contract: no method throws; a collector failure never reaches the caller. */
export interface CollectorSupervisor {
  /** Starts the collector (again, after `stop` or giving up). No-op while running or restarting. */
  start(): void;
  /** SIGTERM, wait up to `graceMs` (default 5 s) for the final drain, then SIGKILL. */
  stop(graceMs?: number): Promise<void>;
  state(): CollectorState;
}

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
}

const MAX_FORWARDED_LINE = 2000;

function defaultEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Creates a supervisor; nothing runs until `start`. */
export function createCollectorSupervisor(options: CollectorSupervisorOptions): CollectorSupervisor {
  const { logger } = options;
  const maxRestarts = options.maxRestarts ?? 5;
  const windowMs = options.windowMs ?? 60_000;
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  let state: CollectorState = "stopped";
  let child: Child | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let crashes: number[] = [];

  function onExit(code: number | null, signal: string | null): void {
    child = undefined;
    if (state !== "running") return;
    const now = Date.now();
    crashes = [...crashes.filter((at) => at > now - windowMs), now];
    const reason = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (crashes.length > maxRestarts) {
      state = "gave-up";
      logger.error(
        `observability collector is down: it ${reason} and crashed ${crashes.length} times in ${windowMs / 1000} s; ` +
          "not restarting it. The daemon keeps serving, but traces are not collected until it is restarted.",
        { code, signal, crashes: crashes.length, windowMs },
      );
      return;
    }
    const delay = Math.min(maxBackoffMs, backoffMs * 2 ** (crashes.length - 1));
    state = "restarting";
    logger.warn(`observability collector is down: it ${reason}; restarting it in ${delay} ms`, {
      code,
      signal,
      backoffMs: delay,
    });
    timer = setTimeout(() => {
      timer = undefined;
      if (state === "restarting") launch();
    }, delay);
  }

  function launch(): void {
    const [file, ...args] = options.command;
    if (!file) {
      state = "gave-up";
      logger.error("observability collector is down: no command configured");
      return;
    }
    state = "running";
    let markReady = () => {};
    let markExited = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const exited = new Promise<void>((resolve) => {
      markExited = resolve;
    });
    let settled = false;
    const settle = (code: number | null, signal: string | null) => {
      if (settled) return;
      settled = true;
      markExited();
      onExit(code, signal);
    };
    // `--parent` makes the collector stop by itself if the daemon dies without stopping it.
    let proc: ChildProcess;
    try {
      proc = spawn(file, [...args, "--parent", String(process.pid)], {
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...(options.env ?? defaultEnv()) },
      });
    } catch (err) {
      logger.warn("observability collector could not be spawned", { err });
      settle(null, null);
      return;
    }
    child = { process: proc, ready, exited };
    lowerPriority(proc.pid, options.niceness ?? COLLECTOR_NICENESS, logger);
    proc.on("error", (err) => {
      logger.warn("observability collector process error", { err });
      if (proc.exitCode === null && proc.signalCode === null && proc.pid === undefined) settle(null, null);
    });
    proc.on("exit", (code, signal) => settle(code, signal));
    if (proc.stderr) {
      proc.stderr.on("error", () => {});
      const lines = createInterface({ input: proc.stderr, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on("error", () => {});
      lines.on("line", (text) => {
        const line = parseChildLogLine(text);
        if (!line) {
          if (text.trim() !== "")
            logger.warn("collector stderr", { line: text.slice(0, MAX_FORWARDED_LINE) });
          return;
        }
        if (line.msg === COLLECTOR_READY_MSG) markReady();
        logger[line.level](`collector: ${line.msg}`, line.attributes);
      });
    }
  }

  return {
    start() {
      if (state === "running" || state === "restarting") return;
      crashes = [];
      launch();
    },
    async stop(graceMs = 5000) {
      state = "stopped";
      if (timer) clearTimeout(timer);
      timer = undefined;
      const current = child;
      if (!current) return;
      // Before it is ready the collector may not handle SIGTERM yet; give it the grace time to get there.
      await within(Promise.race([current.ready, current.exited]), graceMs);
      current.process.kill("SIGTERM");
      if (await within(current.exited, graceMs)) return;
      logger.warn(`observability collector did not stop within ${graceMs} ms; killing it`);
      current.process.kill("SIGKILL");
      await current.exited;
    },
    state: () => state,
  };
}

/** Makes `pid` `niceness` nicer than this process; a failure only costs the collector's politeness. */
function lowerPriority(pid: number | undefined, niceness: number, logger: Logger): void {
  if (pid === undefined || niceness <= 0) return;
  try {
    setPriority(pid, Math.min(MAX_NICE, getPriority() + niceness));
  } catch (err) {
    logger.debug("could not lower the collector's scheduling priority", {
      reason: err instanceof Error ? err.message : String(err),
    });
  }
}

/** True if `promise` settles within `ms`. */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
