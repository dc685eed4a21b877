/**
 * `dispatch trace …`: the trace store's CLI (turn list, timeline, bodies, request diffs) under the
 * `dispatch` command. It reads the trace database file directly — the first that exists of
 * `DISPATCH_TRACE_DB`, the local data dir's `traces.db`, and the installed service's.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runTraceCli } from "@dispatch/trace-store";
import { defaultDataDir } from "./token.ts";

/** The installed service's trace database. */
export const SERVICE_TRACE_DB = "/var/lib/dispatch/traces.db";

/** Where to look for the trace database, in order. */
export function traceDbCandidates(env: Readonly<Record<string, string | undefined>>): string[] {
  if (env.DISPATCH_TRACE_DB) return [env.DISPATCH_TRACE_DB];
  const dirs = [env.DISPATCH_DATA_DIR, defaultDataDir(env)].filter((d): d is string => !!d);
  return [...new Set([...dirs.map((dir) => join(dir, "traces.db")), SERVICE_TRACE_DB])];
}

/** Runs `dispatch trace <argv>`; returns the exit code. */
export function runTrace(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  write: { stdout(text: string): void; stderr(text: string): void },
): number {
  const candidates = traceDbCandidates(env);
  const dbPath = candidates.find((path) => existsSync(path)) ?? candidates[0] ?? SERVICE_TRACE_DB;
  return runTraceCli(argv, { stdout: write.stdout, stderr: write.stderr, dbPath });
}
