/**
 * Diagnostics as the model reads them: compact lines (`line:col severity: message (source code)`)
 * with the offending source line, and the per-edit comparison — what an edit introduced and what
 * it fixed. Problems are compared by severity, code and message, not position, since an edit
 * above an old error moves it without changing it.
 */
import type { Diagnostic } from "./protocol.ts";

const SEVERITY = ["", "error", "warning", "info", "hint"] as const;

/** At most this many diagnostics are listed per block; the rest are counted. */
export const MAX_LISTED = 20;

/** Errors and warnings only (a missing severity counts as an error, as the spec suggests). */
export function errorsAndWarnings(items: readonly Diagnostic[]): Diagnostic[] {
  return items.filter((item) => (item.severity ?? 1) <= 2);
}

/** What changed between two diagnostic sets of one file. */
export interface DiagnosticsDiff {
  added: Diagnostic[];
  fixed: Diagnostic[];
  /** Present before and after. */
  unchanged: number;
}

/** `after` against `before`, as multisets of (severity, code, message). */
export function diffDiagnostics(
  before: readonly Diagnostic[],
  after: readonly Diagnostic[],
): DiagnosticsDiff {
  const remaining = new Map<string, number>();
  for (const item of before) remaining.set(identity(item), (remaining.get(identity(item)) ?? 0) + 1);
  const added: Diagnostic[] = [];
  let unchanged = 0;
  for (const item of after) {
    const count = remaining.get(identity(item)) ?? 0;
    if (count > 0) {
      remaining.set(identity(item), count - 1);
      unchanged += 1;
    } else {
      added.push(item);
    }
  }
  const fixed: Diagnostic[] = [];
  for (const item of before) {
    const count = remaining.get(identity(item)) ?? 0;
    if (count > 0) {
      remaining.set(identity(item), count - 1);
      fixed.push(item);
    }
  }
  return { added, fixed, unchanged };
}

function identity(item: Diagnostic): string {
  return `${item.severity ?? 1}|${item.source ?? ""}|${item.code ?? ""}|${item.message}`;
}

/** `3 errors, 1 warning`. */
export function countLabel(items: readonly Diagnostic[]): string {
  const errors = items.filter((item) => (item.severity ?? 1) === 1).length;
  const warnings = items.filter((item) => item.severity === 2).length;
  return `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
}

/** `n thing(s)`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Options of `formatDiagnostic`. */
export interface FormatDiagnosticOptions {
  /** The file's lines, to quote the one the problem starts on. */
  lines?: readonly string[];
  /** Show the position as where the problem was (for fixed ones, whose lines may have moved). */
  wasAt?: boolean;
}

/** One diagnostic: `12:5 error: message (typescript 2322)` plus the quoted source line. */
export function formatDiagnostic(item: Diagnostic, options: FormatDiagnosticOptions = {}): string {
  const { line, character } = item.range.start;
  const position = `${line + 1}:${character + 1}`;
  const severity = SEVERITY[item.severity ?? 1] ?? "error";
  const origin = [item.source, item.code].filter((part) => part !== undefined && part !== "").join(" ");
  const message = item.message.replace(/\s*\n\s*/g, " ").trim();
  const suffix = origin === "" ? "" : ` (${origin})`;
  if (options.wasAt) return `${severity}: ${message}${suffix} [was at ${position}]`;
  const head = `${position} ${severity}: ${message}${suffix}`;
  const source = options.lines?.[line];
  return source === undefined || source.trim() === "" ? head : `${head}\n    | ${clip(source.trim(), 160)}`;
}

/** Formats up to `MAX_LISTED` diagnostics, indented, sorted by position. */
export function formatList(items: readonly Diagnostic[], options: FormatDiagnosticOptions = {}): string[] {
  const sorted = [...items].sort(
    (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
  );
  const lines = sorted.slice(0, MAX_LISTED).map((item) => indent(formatDiagnostic(item, options)));
  if (sorted.length > MAX_LISTED) lines.push(`  …and ${sorted.length - MAX_LISTED} more`);
  return lines;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

/** Cuts a line to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Pulled and pushed diagnostics together, each distinct problem once. */
export function mergeDiagnostics(...lists: Diagnostic[][]): Diagnostic[] {
  const seen = new Set<string>();
  const merged: Diagnostic[] = [];
  for (const item of lists.flat()) {
    const { start, end } = item.range;
    const key = `${start.line}:${start.character}-${end.line}:${end.character}|${item.severity}|${item.code}|${item.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(item);
  }
  return merged;
}
