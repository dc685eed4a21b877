/**
 * A line diff (Myers' O((N+M)·D) algorithm after trimming the common prefix and suffix) and its
 * unified rendering, for `trace diff`: two request bodies that should share a cached prefix usually
 * differ in a few lines, which this finds and shows with context.
 */

/** One line of a diff: kept (" "), removed ("-") or added ("+"). */
export interface DiffLine {
  op: " " | "-" | "+";
  text: string;
}

/** Past this many differences the middle is shown as wholly replaced (memory grows with D²). */
const MAX_EDIT_DISTANCE = 2000;

/** The shortest edit script turning `a` into `b`, as a sequence of kept, removed and added lines. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const keep = (lines: readonly string[]): DiffLine[] => lines.map((text) => ({ op: " ", text }));
  const middle = myers(a.slice(start, endA), b.slice(start, endB));
  return [...keep(a.slice(0, start)), ...middle, ...keep(a.slice(endA))];
}

function myers(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const replaced = (): DiffLine[] => [
    ...a.map((text): DiffLine => ({ op: "-", text })),
    ...b.map((text): DiffLine => ({ op: "+", text })),
  ];
  if (n === 0 || m === 0) return replaced();
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  // trace[d][k + d] = furthest x on diagonal k after d edits.
  const trace: Int32Array[] = [];
  let previous = new Int32Array(1);
  for (let d = 0; d <= max; d += 1) {
    const current = new Int32Array(2 * d + 1);
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && at(previous, d - 1, k - 1) < at(previous, d - 1, k + 1));
      let x = d === 0 ? 0 : down ? at(previous, d - 1, k + 1) : at(previous, d - 1, k - 1) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      current[k + d] = x;
      if (x >= n && y >= m) {
        trace.push(current);
        return backtrack(trace, a, b);
      }
    }
    trace.push(current);
    previous = current;
  }
  return replaced();
}

function at(v: Int32Array, d: number, k: number): number {
  return v[k + d] ?? 0;
}

function backtrack(trace: readonly Int32Array[], a: readonly string[], b: readonly string[]): DiffLine[] {
  const out: DiffLine[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d > 0; d -= 1) {
    const previous = trace[d - 1] ?? new Int32Array(0);
    const k = x - y;
    const down = k === -d || (k !== d && at(previous, d - 1, k - 1) < at(previous, d - 1, k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(previous, d - 1, prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ op: " ", text: a[x - 1] ?? "" });
      x -= 1;
      y -= 1;
    }
    if (down) out.push({ op: "+", text: b[prevY] ?? "" });
    else out.push({ op: "-", text: a[prevX] ?? "" });
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    out.push({ op: " ", text: a[x - 1] ?? "" });
    x -= 1;
    y -= 1;
  }
  return out.reverse();
}

/** Options of `unifiedDiff`. */
export interface UnifiedDiffOptions {
  labelA: string;
  labelB: string;
  /** Unchanged lines shown around each change; default 3. */
  context?: number;
  /** Longer changed lines are clipped around their first difference; default 240. */
  maxLineLength?: number;
}

/** A unified diff of two texts (`---`/`+++` header, `@@` hunks), or `""` when they are equal. */
export function unifiedDiff(a: string, b: string, options: UnifiedDiffOptions): string {
  const lines = diffLines(a.split("\n"), b.split("\n"));
  if (lines.every((line) => line.op === " ")) return "";
  const context = options.context ?? 3;
  const out = [`--- ${options.labelA}`, `+++ ${options.labelB}`];
  for (const hunk of hunks(lines, context)) {
    out.push(`@@ -${hunk.startA},${hunk.lengthA} +${hunk.startB},${hunk.lengthB} @@`);
    const focus = firstDifference(hunk.lines);
    for (const line of hunk.lines) out.push(`${line.op}${clip(line, focus, options.maxLineLength ?? 240)}`);
  }
  return `${out.join("\n")}\n`;
}

interface Hunk {
  startA: number;
  lengthA: number;
  startB: number;
  lengthB: number;
  lines: DiffLine[];
}

function hunks(lines: readonly DiffLine[], context: number): Hunk[] {
  const changed = lines.flatMap((line, index) => (line.op === " " ? [] : [index]));
  const result: Hunk[] = [];
  let i = 0;
  while (i < changed.length) {
    const first = changed[i] ?? 0;
    let last = first;
    while (i < changed.length && (changed[i] ?? 0) - last <= 2 * context) last = changed[i++] ?? last;
    const from = Math.max(0, first - context);
    const to = Math.min(lines.length, last + context + 1);
    const before = lines.slice(0, from);
    const slice = lines.slice(from, to);
    const countA = (list: readonly DiffLine[]) => list.filter((line) => line.op !== "+").length;
    const countB = (list: readonly DiffLine[]) => list.filter((line) => line.op !== "-").length;
    result.push({
      startA: countA(before) + 1,
      lengthA: countA(slice),
      startB: countB(before) + 1,
      lengthB: countB(slice),
      lines: slice,
    });
  }
  return result;
}

/** Index of the first differing character between the hunk's first removed and first added line. */
function firstDifference(lines: readonly DiffLine[]): number {
  const removed = lines.find((line) => line.op === "-")?.text ?? "";
  const added = lines.find((line) => line.op === "+")?.text ?? "";
  let index = 0;
  while (index < removed.length && index < added.length && removed[index] === added[index]) index += 1;
  return index;
}

function clip(line: DiffLine, focus: number, max: number): string {
  if (line.text.length <= max) return line.text;
  const from = line.op === " " ? 0 : Math.max(0, Math.min(focus - 60, line.text.length - max));
  const head = from > 0 ? `…(${from} chars)…` : "";
  const rest = line.text.length - from - max;
  return `${head}${line.text.slice(from, from + max)}${rest > 0 ? `…(+${rest} chars)` : ""}`;
}
