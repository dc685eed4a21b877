/**
 * The observability collector: a separate process that tails the journal (across rotation) into the
 * trace store with exact, idempotent inserts, and the supervisor the daemon uses to keep it running.
 * @module
 */
export { type ChildLogLine, COLLECTOR_READY_MSG, createLineSink, parseChildLogLine } from "./child-log.ts";
export {
  type CollectorOptions,
  type CollectorSummary,
  CURSOR_NAME,
  DEFAULT_INTERVAL_MS,
  DEFAULT_PRUNE_INTERVAL_MS,
  runCollector,
} from "./collector.ts";
export { COLLECTOR_USAGE, main } from "./main.ts";
export { logRecordSchema, parseRecordLine } from "./record-schema.ts";
export {
  COLLECTOR_NICENESS,
  type CollectorState,
  type CollectorSupervisor,
  type CollectorSupervisorOptions,
  createCollectorSupervisor,
} from "./supervisor.ts";
export {
  createJournalTailer,
  type JournalCursor,
  type JournalTailer,
  type JournalTailerOptions,
  type TailBatch,
} from "./tailer.ts";
