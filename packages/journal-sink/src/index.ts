/**
 * The journal sink: one redacted NDJSON line per log record or span event, rotated through several
 * generations, fsynced periodically, fail-safe. Also the header helpers the collector uses to follow
 * files across rotation.
 * @module
 */

export {
  createHeaderRecord,
  generationOf,
  JOURNAL_EXTENSION_ID,
  JOURNAL_FORMAT,
  JOURNAL_HEADER_MSG,
  type JournalHeader,
  listJournalFiles,
  parseHeaderLine,
  readHeader,
} from "./header.ts";
export {
  createJournalSink,
  DEFAULT_FSYNC_INTERVAL_MS,
  DEFAULT_GENERATIONS,
  DEFAULT_MAX_BYTES,
  type JournalSink,
  type JournalSinkOptions,
} from "./journal-sink.ts";
export { isSensitiveName, REDACTED, redactPatterns, redactRecord, secretsFromEnv } from "./redact.ts";
