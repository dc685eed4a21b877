/**
 * `createThroughputStore`: one row per sealed turn in its own table (migration owner
 * `throughput-store`), aggregated per model with one grouped range query over the time index.
 */
import type { Migration, SqlDatabase } from "@dispatch/kernel";
import { periodRange, utcDate } from "./period.ts";
import type { ThroughputModelStat, ThroughputService } from "./types.ts";

/** The migration owner of the samples table. */
export const THROUGHPUT_STORE_OWNER = "throughput-store";

/** The schema, version by version. */
export const THROUGHPUT_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "throughput samples",
    up: `
      CREATE TABLE throughput_samples (
        id INTEGER PRIMARY KEY,
        model TEXT NOT NULL,
        ts INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        gen_ms REAL NOT NULL
      );
      CREATE INDEX throughput_samples_by_ts ON throughput_samples (ts);
    `,
  },
];

/** Options of `createThroughputStore`. */
export interface ThroughputStoreOptions {
  /** The database (from `storageService`); the migrations are applied to it. */
  sql: SqlDatabase;
  /** The clock that picks "today" when a query has no date. Default `Date.now`. */
  now?: () => number;
}

/** Migrates the table and returns the service. */
export function createThroughputStore(options: ThroughputStoreOptions): ThroughputService {
  const { sql } = options;
  const now = options.now ?? Date.now;
  sql.migrate(THROUGHPUT_STORE_OWNER, THROUGHPUT_STORE_MIGRATIONS);
  const insert = sql.prepare(
    "INSERT INTO throughput_samples (model, ts, output_tokens, gen_ms) VALUES (?, ?, ?, ?)",
  );
  const grouped = sql.prepare<{ model: string; turns: number; tokens: number; gen_ms: number }>(
    `SELECT model, COUNT(*) AS turns, SUM(output_tokens) AS tokens, SUM(gen_ms) AS gen_ms
     FROM throughput_samples WHERE ts >= ? AND ts < ? GROUP BY model`,
  );

  return {
    record({ model, ts, outputTokens, genMs }) {
      if (!(genMs > 0) || !Number.isFinite(genMs) || !Number.isFinite(outputTokens) || !Number.isFinite(ts)) {
        return;
      }
      insert.run(model, Math.round(ts), Math.max(0, Math.round(outputTokens)), genMs);
    },
    aggregate({ period, date = utcDate(now()) }) {
      const range = periodRange(period, date);
      if (!range) throw new Error(`throughput: invalid ${period} date ${JSON.stringify(date)}`);
      const models: ThroughputModelStat[] = grouped.all(range.start, range.end).map((row) => ({
        model: row.model,
        tokensPerSecond: Math.round((row.tokens / (row.gen_ms / 1000)) * 100) / 100,
        totalOutputTokens: row.tokens,
        totalGenMs: row.gen_ms,
        turns: row.turns,
      }));
      models.sort((a, b) => b.tokensPerSecond - a.tokensPerSecond || (a.model < b.model ? -1 : 1));
      return { period, date, ...range, models };
    },
  };
}
