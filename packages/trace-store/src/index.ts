/**
 * The trace store: journal records in SQLite with content-addressed, compressed bodies, retention,
 * turn queries, and the `trace` CLI (timeline, bodies, request-body diff).
 * @module
 */
export { runTraceCli, TRACE_USAGE, type TraceCliIo } from "./cli.ts";
export { canonicalJson } from "./codec.ts";
export { type DiffLine, diffLines, type UnifiedDiffOptions, unifiedDiff } from "./line-diff.ts";
export { DEFAULT_RETENTION, type PruneResult, type RetentionOptions } from "./prune.ts";
export {
  createTraceStore,
  type InsertResult,
  type ListTurnsOptions,
  type StoredCursor,
  type TraceRecord,
  type TraceStats,
  type TraceStore,
  type TraceStoreOptions,
  type TurnSummary,
} from "./store.ts";
export {
  buildSpanTree,
  formatDuration,
  formatTimeline,
  type SpanNode,
  type TimelineEntry,
} from "./timeline.ts";
export { type TokenCounts, tokenCounts, turnTokens } from "./usage.ts";
