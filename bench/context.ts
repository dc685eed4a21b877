/**
 * What every scenario gets: the mode (short or full), the number of runs, the scripted model
 * process, how to start the daemon and the relay, a scratch directory, and a progress log.
 */
import { join } from "node:path";
import type { ModelProcess } from "./model-process.ts";
import { type Command, startDispatch, startRelay, type Target } from "./targets.ts";

/** Shared state of one benchmark run. */
export interface BenchContext {
  short: boolean;
  runs: number;
  model: ModelProcess;
  daemon: Command;
  relay: Command;
  /** Extra daemon environment (e.g. the benchmark's `read_file` extension). */
  daemonEnv: Record<string, string>;
  /** Root of this run's temporary files. */
  scratch: string;
  /** Progress lines (stderr). */
  log(line: string): void;
}

let started = 0;

/** Starts the daemon in its own directory under the scratch root (or in `dir` to reuse its data). */
export function launchDispatch(ctx: BenchContext, dir?: string): Promise<Target> {
  return startDispatch({
    command: ctx.daemon,
    modelBaseURL: ctx.model.baseURL,
    dir: dir ?? join(ctx.scratch, `dispatch-${++started}`),
    env: { HOME: join(ctx.scratch, "home"), ...ctx.daemonEnv },
  });
}

/** Starts the relay in its own directory under the scratch root. */
export function launchRelay(ctx: BenchContext): Promise<Target> {
  return startRelay({
    command: ctx.relay,
    modelBaseURL: ctx.model.baseURL,
    dir: join(ctx.scratch, `relay-${++started}`),
    env: { HOME: join(ctx.scratch, "home") },
  });
}

/** Runs `fn` with a started target and always stops it. */
export async function withTarget<T>(start: Promise<Target>, fn: (target: Target) => Promise<T>): Promise<T> {
  const target = await start;
  try {
    return await fn(target);
  } finally {
    await target.stop();
  }
}

/**
 * A pause after each batch of concurrent turns, before the other target runs: what the batch left
 * to do in the background (the daemon's journal and idle collection, its collector ingesting a
 * hundred turns' records on the other core) must not land on the next measurement, the relay's
 * above all.
 */
export function settle(): Promise<void> {
  return Bun.sleep(200);
}
