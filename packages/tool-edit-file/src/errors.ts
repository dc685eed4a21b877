/**
 * edit_file's failures, each a `ToolFailure` whose message tells the model what to do next.
 */
import { ToolFailure } from "@dispatch/tool-kit";

/** Codes edit_file fails with, sorted. */
export type EditFailureCode =
  | "BINARY_FILE"
  | "MULTIPLE_MATCHES"
  | "NO_CHANGE"
  | "NO_MATCH"
  | "NOT_A_FILE"
  | "NOT_READ"
  | "STALE_FILE"
  | "TOO_LARGE";

function failure(code: EditFailureCode, message: string, context: Record<string, unknown> = {}): ToolFailure {
  return new ToolFailure(code, message, context);
}

/** The agent never read the file in this conversation. */
export function notRead(path: string): ToolFailure {
  return failure(
    "NOT_READ",
    `You have not read ${path} in this conversation. Call read_file on it first, then retry the edit.`,
    { path },
  );
}

/** The file changed on disk since the agent last read it. */
export function staleFile(path: string): ToolFailure {
  return failure(
    "STALE_FILE",
    `${path} changed on disk since you last read it (by the user or another process). Call read_file again to see its current content, then redo the edit against that.`,
    { path },
  );
}

/** `oldString` does not occur. */
export function noMatch(path: string, hint: string): ToolFailure {
  return failure("NO_MATCH", `oldString was not found in ${path}. ${hint}`, { path });
}

/** `oldString` occurs several times and `replaceAll` is off. */
export function multipleMatches(path: string, count: number, lines: readonly number[]): ToolFailure {
  const where = lines.length < count ? `${lines.join(", ")}, …` : lines.join(", ");
  return failure(
    "MULTIPLE_MATCHES",
    `oldString occurs ${count} times in ${path} (lines ${where}). Include more surrounding lines in oldString so it matches exactly once, or set replaceAll: true to replace all ${count}.`,
    { path, count },
  );
}

/** Nothing would change. */
export function noChange(): ToolFailure {
  return failure("NO_CHANGE", "oldString and newString are identical; there is nothing to change.");
}

/** Not a regular file. */
export function notAFile(path: string): ToolFailure {
  return failure("NOT_A_FILE", `${path} is a directory. Give the path of a file to edit.`, { path });
}

/** Binary content. */
export function binaryFile(path: string): ToolFailure {
  return failure("BINARY_FILE", `${path} is not a text file; edit_file only edits UTF-8 text.`, { path });
}

/** Over the edit size limit. */
export function tooLarge(path: string, size: number, limit: number): ToolFailure {
  return failure(
    "TOO_LARGE",
    `${path} is ${size.toLocaleString("en-US")} bytes, over edit_file's ${limit.toLocaleString("en-US")}-byte limit. Use run_shell (e.g. sed) for very large files.`,
    { path, size },
  );
}
