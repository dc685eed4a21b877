/**
 * The collector as a program: `--journal <path> --db <path> [--interval <ms>] [--parent <pid>]`.
 * SIGTERM, SIGINT or the death of its parent (`--parent`, else the parent it started under) stops the
 * loop, drains the journal once more and closes the store. Importing this file does
 * nothing; the host binary calls `main` for its `collector` subcommand, `bin.ts` for dev use.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { createLogger } from "@dispatch/kernel";
import { z } from "zod";
import { COLLECTOR_READY_MSG, createLineSink } from "./child-log.ts";
import { DEFAULT_INTERVAL_MS, runCollector } from "./collector.ts";

/** Usage text of the collector program. */
export const COLLECTOR_USAGE =
  "usage: observability-collector --journal <path> --db <path> [--interval <ms>] [--parent <pid>]\n";

const ORPHAN_CHECK_MS = 1000;

const argsSchema = z.object({
  journal: z.string().min(1, "--journal <path> is required"),
  db: z.string().min(1, "--db <path> is required"),
  interval: z.coerce.number().int().positive().default(DEFAULT_INTERVAL_MS),
  parent: z.coerce.number().int().positive().optional(),
});

function parseOptions(argv: readonly string[]): z.infer<typeof argsSchema> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      journal: { type: "string" },
      db: { type: "string" },
      interval: { type: "string" },
      parent: { type: "string" },
    },
  });
  return argsSchema.parse({
    journal: values.journal ?? "",
    db: values.db ?? "",
    interval: values.interval,
    parent: values.parent,
  });
}

/**
 * Runs the collector until SIGTERM/SIGINT; resolves with the exit code (0 after a clean drain, 1 if
 * the store could not be opened, 2 on bad arguments). Logs go to stderr as JSON lines.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const write = (text: string) => process.stderr.write(text);
  // The daemon may be gone (closed pipe): losing a log line must not crash the final drain.
  process.stderr.on("error", () => {});
  let options: z.infer<typeof argsSchema>;
  try {
    options = parseOptions(argv);
  } catch (err) {
    const message =
      err instanceof z.ZodError ? err.issues.map((issue) => issue.message).join("; ") : String(err);
    write(`${message}\n${COLLECTOR_USAGE}`);
    return 2;
  }
  const logger = createLogger({
    sink: createLineSink(write),
    now: Date.now,
    newId: () => crypto.randomUUID(),
    extensionId: "observability-collector",
  });
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // An orphaned collector (the daemon was killed) stops too, so restarts never pile up collectors.
  const parent = options.parent ?? process.ppid;
  const orphanCheck = setInterval(() => {
    if (process.ppid === parent) return;
    logger.warn("parent process exited; stopping the collector");
    stop();
  }, ORPHAN_CHECK_MS);
  orphanCheck.unref();
  try {
    mkdirSync(dirname(options.db), { recursive: true });
    const summary = await runCollector({
      journalPath: options.journal,
      dbPath: options.db,
      intervalMs: options.interval,
      signal: controller.signal,
      logger,
      onReady: () => logger.info(COLLECTOR_READY_MSG, { journal: options.journal, db: options.db }),
    });
    logger.info("observability collector stopped", {
      inserted: summary.inserted,
      malformed: summary.malformed,
    });
    return 0;
  } catch (err) {
    logger.error("observability collector failed", { err });
    return 1;
  } finally {
    clearInterval(orphanCheck);
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
  }
}
