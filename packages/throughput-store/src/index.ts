/**
 * `@dispatch/throughput-store`: per-model tokens per second of sealed turns, aggregated by UTC day,
 * Monday-based week or month, provided as `throughputService`.
 * @module
 */
export { createThroughputStoreExtension } from "./extension.ts";
export {
  type PeriodRange,
  periodRange,
  THROUGHPUT_PERIODS,
  type ThroughputPeriod,
  utcDate,
} from "./period.ts";
export { throughputQuerySchema } from "./query.ts";
export {
  createThroughputStore,
  THROUGHPUT_STORE_MIGRATIONS,
  THROUGHPUT_STORE_OWNER,
  type ThroughputStoreOptions,
} from "./store.ts";
export type {
  ThroughputModelStat,
  ThroughputQuery,
  ThroughputResponse,
  ThroughputSample,
  ThroughputService,
} from "./types.ts";
export { throughputService } from "./types.ts";
