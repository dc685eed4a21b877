/**
 * The result table: one row per figure with ours and the relay's median [min–max], their ratio,
 * the budget and whether it holds. A figure that could not be measured (a part not built yet)
 * carries a reason instead of values. Pure: `run.ts` prints what `formatTable` returns.
 */
import { type Summary, summarize } from "./stats.ts";

/** A figure's values over the runs, or why there are none (e.g. "n/a (not built)"). */
export type Values = readonly number[] | string;

/** A budget: its text for the table and the check over the medians (relay absent: undefined). */
export interface Budget {
  text: string;
  holds(ours: Summary, relay: Summary | undefined): boolean;
}

/** One row of the table. */
export interface Row {
  /** Stable id, e.g. `3.overhead`; the CI test checks that every id is printed. */
  id: string;
  figure: string;
  unit: string;
  ours: Values;
  /** Omitted: the relay has no such figure. */
  relay?: Values;
  budget?: Budget;
}

/** `ours ≤ limit` on the median. */
export function atMost(limit: number, unit: string): Budget {
  return { text: `≤ ${limit} ${unit}`, holds: (ours) => ours.median <= limit };
}

/** `ours ≤ limit` and `ours ≤ factor × relay` on the medians. */
export function atMostAndRatio(limit: number, unit: string, factor: number): Budget {
  return {
    text: `≤ ${limit} ${unit}, ≤ ${factor}× relay`,
    holds: (ours, relay) =>
      ours.median <= limit && relay !== undefined && ours.median <= factor * relay.median,
  };
}

/** An exact count, e.g. zero dropped events. */
export function exactly(expected: number, text: string): Budget {
  return { text, holds: (ours) => ours.max === expected && ours.min === expected };
}

function format(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (Number.isInteger(value) && Math.abs(value) < 10_000) return String(value);
  const abs = Math.abs(value);
  if (abs >= 10_000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function cell(values: Values | undefined): { text: string; summary?: Summary } {
  if (values === undefined) return { text: "—" };
  if (typeof values === "string") return { text: values };
  const summary = summarize(values);
  if (summary.runs === 0) return { text: "–" };
  const range = summary.runs > 1 ? ` [${format(summary.min)}–${format(summary.max)}]` : "";
  return { text: `${format(summary.median)}${range}`, summary };
}

/** What a row came to: its cells and verdict (`undefined` when there is no budget or no value). */
export interface RowResult {
  row: Row;
  cells: string[];
  verdict: boolean | undefined;
}

/** Evaluates each row: cells in table order (figure, unit, ours, relay, ratio, budget, ✓/✗). */
export function evaluate(rows: readonly Row[]): RowResult[] {
  return rows.map((row) => {
    const ours = cell(row.ours);
    const relay = cell(row.relay);
    const ratio =
      ours.summary && relay.summary && relay.summary.median !== 0
        ? `${format(ours.summary.median / relay.summary.median)}×`
        : "—";
    const verdict = row.budget && ours.summary ? row.budget.holds(ours.summary, relay.summary) : undefined;
    const mark = verdict === undefined ? "" : verdict ? "✓" : "✗";
    return {
      row,
      cells: [row.figure, row.unit, ours.text, relay.text, ratio, row.budget?.text ?? "", mark],
      verdict,
    };
  });
}

const HEADER = ["figure", "unit", "ours median [min–max]", "relay median [min–max]", "ratio", "budget", ""];

/** A plain-text table (also valid Markdown). */
export function formatTable(results: readonly RowResult[]): string {
  const lines = [HEADER, HEADER.map(() => "---"), ...results.map((r) => r.cells)];
  const widths = HEADER.map((_, i) => Math.max(...lines.map((l) => [...(l[i] ?? "")].length)));
  return lines
    .map((cells, n) =>
      cells
        .map((c, i) => (n === 1 ? "-".repeat(widths[i] ?? 3) : c.padEnd(widths[i] ?? 0)))
        .join(" | ")
        .replace(/^/, "| ")
        .replace(/\s*$/, " |"),
    )
    .join("\n");
}
