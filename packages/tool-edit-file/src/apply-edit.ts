/**
 * The pure part of edit_file: exact-string replacement with the error cases spelled out, a CRLF
 * fallback (the model writes `\n`, the file uses `\r\n`), and hints for the usual near misses.
 */

/** The outcome of one edit. */
export type EditOutcome =
  | { ok: true; content: string; count: number }
  | { ok: false; reason: "no-match"; hint: string }
  | { ok: false; reason: "multiple"; count: number; lines: number[] };

/** Lines reported for a multiple match. */
const MAX_REPORTED_LINES = 10;

/** Replaces `oldString` (once, or everywhere with `replaceAll`) in `content`. */
export function applyEdit(
  content: string,
  oldString: string,
  newString: string,
  replaceAll: boolean,
): EditOutcome {
  let search = oldString;
  let replacement = newString;
  if (
    !content.includes(search) &&
    content.includes("\r\n") &&
    search.includes("\n") &&
    !search.includes("\r\n")
  ) {
    search = oldString.replaceAll("\n", "\r\n");
    replacement = newString.replaceAll("\n", "\r\n");
  }
  const parts = content.split(search);
  const count = parts.length - 1;
  if (count === 0) return { ok: false, reason: "no-match", hint: noMatchHint(content, oldString) };
  if (count > 1 && !replaceAll)
    return { ok: false, reason: "multiple", count, lines: matchLines(parts, search) };
  return { ok: true, content: parts.join(replacement), count };
}

/** The 1-based line where each match (up to `MAX_REPORTED_LINES`) starts. */
function matchLines(parts: readonly string[], search: string): number[] {
  const searchLines = countNewlines(search);
  const starts: number[] = [];
  let line = 1;
  for (let i = 0; i < parts.length - 1 && starts.length < MAX_REPORTED_LINES; i++) {
    line += countNewlines(parts[i] ?? "");
    starts.push(line);
    line += searchLines;
  }
  return starts;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) count++;
  return count;
}

function noMatchHint(content: string, oldString: string): string {
  if (/^\s*\d+: /m.test(oldString) && !/^\s*\d+: /m.test(content)) {
    return "oldString seems to include read_file's line numbers (\"12: \"); remove them and keep only the file's text.";
  }
  const squash = (text: string): string => text.replace(/\s+/g, " ").trim();
  if (squash(oldString) !== "" && squash(content).includes(squash(oldString))) {
    return "It does match if whitespace is ignored: copy the exact indentation, spaces and line breaks from read_file's output.";
  }
  return "It must match the file exactly, including whitespace and indentation. Call read_file again and copy the text exactly.";
}
