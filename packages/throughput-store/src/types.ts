/**
 * The throughput store's contract: the response of `GET /metrics/throughput` (field names as in the
 * reference's transport contract) and the `throughputService` handle.
 */
import { defineService } from "@dispatch/kernel";
import type { ThroughputPeriod } from "./period.ts";

/** One model's throughput over a period. */
export interface ThroughputModelStat {
  /** `<credential>/<model>`. */
  model: string;
  /** Token-weighted: `Σ outputTokens / Σ genMs` in tokens per second, rounded to 2 decimals. */
  tokensPerSecond: number;
  totalOutputTokens: number;
  /** Sum over the period's turns of their steps' `genTotalMs`. */
  totalGenMs: number;
  /** Sealed turns that contributed. */
  turns: number;
}

/** Response of `GET /metrics/throughput?period=day|week|month&date=…`. */
export interface ThroughputResponse {
  period: ThroughputPeriod;
  /** The date asked for (today's UTC `YYYY-MM-DD` when none was given). */
  date: string;
  /** Inclusive start of the UTC window, epoch ms. */
  start: number;
  /** Exclusive end of the UTC window, epoch ms. */
  end: number;
  /** Every model with a turn in the window, fastest first (ties by name). */
  models: ThroughputModelStat[];
}

/** What is recorded per sealed turn. */
export interface ThroughputSample {
  model: string;
  /** When the turn settled, epoch ms. */
  ts: number;
  outputTokens: number;
  genMs: number;
}

/** A validated query (see `throughputQuerySchema`). */
export interface ThroughputQuery {
  period: ThroughputPeriod;
  /** `YYYY-MM-DD` (UTC), or `YYYY-MM` for a month; default today. */
  date?: string;
}

export interface ThroughputService {
  /** Aggregates per model over the query's window. Throws on a query `throughputQuerySchema` rejects. */
  aggregate(query: ThroughputQuery): ThroughputResponse;
  /** Stores one sample. Contract: a sample with `genMs ≤ 0` (or non-finite numbers) is ignored. */
  record(sample: ThroughputSample): void;
}

/** Provided by the `throughput-store` extension. */
export const throughputService = defineService<ThroughputService>("throughput-store/service");
