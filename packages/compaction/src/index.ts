/**
 * Non-destructive compaction: the full history forks into an archive, the live conversation keeps
 * a summary and its recent messages.
 * @module
 */
export {
  DEFAULT_KEEP_LAST_N,
  renderTranscript,
  SUMMARY_PREFIX,
  splitIndex,
} from "./compact.ts";
export {
  type CompactionOptions,
  type CompactionService,
  compactionService,
  conversationCompacted,
  createCompactionExtension,
  DEFAULT_COMPACT_PERCENT,
} from "./extension.ts";
