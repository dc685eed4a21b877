/**
 * Pure period math of the throughput aggregate, in UTC: a day, the Monday-to-Sunday week holding a
 * date, or a calendar month, as a half-open `[start, end)` range of epoch milliseconds.
 */

/** The aggregation window of `GET /metrics/throughput`. */
export type ThroughputPeriod = "day" | "week" | "month";

/** Every period, for validation. */
export const THROUGHPUT_PERIODS = ["day", "week", "month"] as const;

/** A half-open range of epoch milliseconds. */
export interface PeriodRange {
  /** Inclusive. */
  start: number;
  /** Exclusive. */
  end: number;
}

const DAY_MS = 86_400_000;
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const YEAR_MONTH = /^(\d{4})-(\d{2})$/;

/**
 * The UTC range of `period` around `date` — `YYYY-MM-DD` for every period, or `YYYY-MM` for a
 * month — or `null` when the date is malformed or does not exist (`2026-02-30`).
 */
export function periodRange(period: ThroughputPeriod, date: string): PeriodRange | null {
  const month = period === "month" ? YEAR_MONTH.exec(date) : null;
  if (month) {
    const [y, m] = [Number(month[1]), Number(month[2])];
    if (m < 1 || m > 12) return null;
    return { start: Date.UTC(y, m - 1, 1), end: Date.UTC(y, m, 1) };
  }
  const parts = FULL_DATE.exec(date);
  if (!parts) return null;
  const [y, m, d] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const day = Date.UTC(y, m - 1, d);
  // Date.UTC rolls 2026-02-30 over into March; a real date survives the round trip.
  if (utcDate(day) !== date) return null;
  if (period === "day") return { start: day, end: day + DAY_MS };
  if (period === "month") return { start: Date.UTC(y, m - 1, 1), end: Date.UTC(y, m, 1) };
  const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
  const start = day - sinceMonday * DAY_MS;
  return { start, end: start + 7 * DAY_MS };
}

/** The UTC calendar date `YYYY-MM-DD` of an epoch-millisecond time. */
export function utcDate(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}
