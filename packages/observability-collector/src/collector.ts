/**
 * The collector loop: poll the journal every `intervalMs`, insert each batch of records into the
 * trace store together with the cursor after it (one transaction, so a crash at any point neither
 * loses nor repeats a record), prune periodically, and drain once more when stopped.
 */
import type { Logger } from "@dispatch/kernel";
import { createTraceStore, type RetentionOptions, type TraceStore } from "@dispatch/trace-store";
import { parseRecordLine } from "./record-schema.ts";
import { createJournalTailer, type JournalCursor, type TailBatch } from "./tailer.ts";

/** Name of the collector's row in the store's `cursors` table. */
export const CURSOR_NAME = "journal";
export const DEFAULT_INTERVAL_MS = 250;
/** 10 minutes. */
export const DEFAULT_PRUNE_INTERVAL_MS = 10 * 60 * 1000;

/** Options of `runCollector`. */
export interface CollectorOptions {
  journalPath: string;
  dbPath: string;
  /** Stops the loop; the collector then drains the journal once more and closes the store. */
  signal: AbortSignal;
  logger: Logger;
  intervalMs?: number;
  pruneIntervalMs?: number;
  retention?: RetentionOptions;
  /** Called once, after the first poll. */
  onReady?: () => void;
}

/** What a collector run did. */
export interface CollectorSummary {
  /** Records inserted by this run. */
  inserted: number;
  /** Lines that were not valid records (also counted in the stored cursor). */
  malformed: number;
}

/** The cursor row's value: the journal position and the malformed-line count so far. */
interface StoredCursor extends JournalCursor {
  malformed: number;
}

function readCursor(store: TraceStore): StoredCursor | null {
  const value = store.getCursor(CURSOR_NAME)?.value;
  if (!value) return null;
  const parsed = JSON.parse(value) as Partial<StoredCursor>;
  if (
    typeof parsed.fileId !== "string" ||
    typeof parsed.seq !== "number" ||
    typeof parsed.offset !== "number"
  ) {
    return null;
  }
  return { fileId: parsed.fileId, seq: parsed.seq, offset: parsed.offset, malformed: parsed.malformed ?? 0 };
}

/** Runs until `signal` aborts, then drains and closes. Rejects only if the store cannot be opened. */
export async function runCollector(options: CollectorOptions): Promise<CollectorSummary> {
  const { logger, signal } = options;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const pruneIntervalMs = options.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
  const store = createTraceStore({ path: options.dbPath });
  const saved = readCursor(store);
  const summary: CollectorSummary = { inserted: 0, malformed: 0 };
  let malformedTotal = saved?.malformed ?? 0;
  const tailer = createJournalTailer({ path: options.journalPath, cursor: saved, logger });

  const ingest = (batch: TailBatch): void => {
    const records = [];
    let malformed = batch.skipped;
    for (const line of batch.lines) {
      const record = parseRecordLine(line);
      if (record) records.push(record);
      else malformed += 1;
    }
    const value = JSON.stringify({ ...batch.cursor, malformed: malformedTotal + malformed });
    const result = store.insertRecords(records, { cursor: { name: CURSOR_NAME, value } });
    malformedTotal += malformed;
    summary.inserted += result.inserted;
    summary.malformed += malformed;
    if (malformed > 0)
      logger.warn("skipped malformed journal lines", { count: malformed, seq: batch.cursor.seq });
  };

  let lastError: string | undefined;
  const poll = (): void => {
    try {
      tailer.poll(ingest);
      if (lastError !== undefined) logger.info("collector recovered");
      lastError = undefined;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message !== lastError) logger.error("collector poll failed; retrying", { err });
      lastError = message;
    }
  };
  let prunedAt = Number.NEGATIVE_INFINITY;
  const prune = (): void => {
    if (Date.now() - prunedAt < pruneIntervalMs) return;
    prunedAt = Date.now();
    try {
      const result = store.prune(options.retention);
      if (result.recordsDeleted + result.bodiesDeleted > 0) logger.info("trace store pruned", { ...result });
    } catch (err) {
      logger.error("trace store prune failed", { err });
    }
  };

  try {
    poll();
    options.onReady?.();
    while (!signal.aborted) {
      prune();
      await sleep(intervalMs, signal);
      poll();
    }
    poll();
    return summary;
  } finally {
    tailer.close();
    store.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
