/**
 * Output caps, so one tool result cannot flood the model's context. Text over the cap keeps its
 * head and its tail (where errors and summaries usually are) with a note of how much was cut; the
 * streaming collector does the same without holding the whole output in memory.
 */

/** The default cap on a tool result, in characters. */
export const DEFAULT_MAX_OUTPUT_CHARS = 50_000;

/** Share of the cap given to the head; the tail gets the rest. */
const HEAD_SHARE = 0.4;

/** The note that replaces the cut middle. */
export function truncationNote(cut: number): string {
  return `\n[... ${cut.toLocaleString("en-US")} characters omitted: output exceeded the cap ...]\n`;
}

/** `text` unchanged if it fits in `maxChars`, else its head and tail around a note. */
export function capText(text: string, maxChars: number = DEFAULT_MAX_OUTPUT_CHARS): string {
  if (text.length <= maxChars) return text;
  const head = Math.floor(maxChars * HEAD_SHARE);
  const tail = maxChars - head;
  return text.slice(0, head) + truncationNote(text.length - head - tail) + text.slice(text.length - tail);
}

/** `text` cut to its first `maxChars` characters with a note (for documents read top-down). */
export function capHead(text: string, maxChars: number = DEFAULT_MAX_OUTPUT_CHARS): string {
  if (text.length <= maxChars) return text;
  const cut = text.length - maxChars;
  return `${text.slice(0, maxChars)}\n[... ${cut.toLocaleString("en-US")} more characters not shown: output exceeded the cap ...]`;
}

/** Accumulates streamed output within a cap. */
export interface OutputCollector {
  append(text: string): void;
  /** Characters received so far (kept or not). */
  readonly total: number;
  /** The kept head and tail, with a note when the middle was cut. */
  text(): string;
}

/** A collector keeping at most `maxChars` characters (head and tail). */
export function createOutputCollector(maxChars: number = DEFAULT_MAX_OUTPUT_CHARS): OutputCollector {
  const headLimit = Math.floor(maxChars * HEAD_SHARE);
  const tailLimit = maxChars - headLimit;
  let head = "";
  let tail = "";
  let total = 0;
  return {
    append(text: string): void {
      total += text.length;
      if (head.length < headLimit) {
        const room = headLimit - head.length;
        head += text.slice(0, room);
        text = text.slice(room);
      }
      if (text === "") return;
      tail += text;
      // Trim lazily so appends stay amortized O(n).
      if (tail.length > tailLimit * 2) tail = tail.slice(tail.length - tailLimit);
    },
    get total() {
      return total;
    },
    text(): string {
      const keptTail = tail.length > tailLimit ? tail.slice(tail.length - tailLimit) : tail;
      const cut = total - head.length - keptTail.length;
      return cut > 0 ? head + truncationNote(cut) + keptTail : head + keptTail;
    },
  };
}
