/**
 * The failures a tool reports to the model as an error result. Deep helpers (containment, atomic
 * writes) throw a `ToolFailure`; the `defineTool` wrapper turns it into `{ isError: true }` with the
 * message, which always says what to do next.
 */

/** Codes tool-kit fails with, sorted. Tool packages may add their own codes. */
export type ToolFailureCode =
  | "BAD_ARGUMENTS"
  | "DENIED_PATH"
  | "INVALID_PATH"
  | "IO_ERROR"
  | "NOT_A_DIRECTORY"
  | "NOT_FOUND"
  | "NO_CWD"
  | "OUTSIDE_ROOT"
  | "PATH_CHANGED"
  | "SPECIAL_FILE"
  | "SYMLINK_LOOP";

/** An expected failure whose message is shown to the model verbatim. */
export class ToolFailure extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ToolFailureCode | (string & {}), message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.name = "ToolFailure";
    this.code = code;
    this.context = context;
  }
}

/** The turn has no working directory, so no path can be resolved. */
export function noCwd(): ToolFailure {
  return new ToolFailure(
    "NO_CWD",
    "No working directory is set for this conversation, so file paths cannot be resolved. Ask the user to choose a working directory.",
  );
}

/** The path leaves every allowed root. */
export function outsideRoot(path: string, root: string): ToolFailure {
  return new ToolFailure(
    "OUTSIDE_ROOT",
    `Refused: "${path}" resolves outside the working directory (${root}). Use a path inside it.`,
    { path },
  );
}

/** The path lies in a directory the tools may never touch (e.g. the daemon's data directory). */
export function deniedPath(path: string): ToolFailure {
  return new ToolFailure("DENIED_PATH", `Refused: "${path}" is in a protected directory. Use another path.`, {
    path,
  });
}

/** The path string itself is unusable. */
export function invalidPath(path: string, why: string): ToolFailure {
  return new ToolFailure("INVALID_PATH", `Invalid path ${JSON.stringify(path)}: ${why}.`, { path });
}

/** Nothing exists at the path. */
export function notFound(
  path: string,
  hint = "Check the path (read_file on a directory lists it).",
): ToolFailure {
  return new ToolFailure("NOT_FOUND", `"${path}" does not exist. ${hint}`, { path });
}

/** A FIFO, socket or device where a regular file or directory was expected. */
export function specialFile(path: string, kind: string): ToolFailure {
  return new ToolFailure(
    "SPECIAL_FILE",
    `Refused: "${path}" is a ${kind}, not a regular file or directory. Only regular files and directories can be used.`,
    { path, kind },
  );
}

/** Symlinks nest too deeply or loop. */
export function symlinkLoop(path: string): ToolFailure {
  return new ToolFailure(
    "SYMLINK_LOOP",
    `Refused: "${path}" has a symlink loop or too many nested symlinks.`,
    {
      path,
    },
  );
}

/** A path component that must be a directory is not one. */
export function notADirectory(path: string): ToolFailure {
  return new ToolFailure("NOT_A_DIRECTORY", `"${path}" goes through something that is not a directory.`, {
    path,
  });
}

/** The path changed between the check and the use (a swapped symlink or a concurrent rename). */
export function pathChanged(path: string): ToolFailure {
  return new ToolFailure(
    "PATH_CHANGED",
    `Refused: "${path}" changed while it was being opened (possibly a swapped symlink). Try again.`,
    { path },
  );
}

/** An operating-system error worth showing to the model. */
export function ioError(path: string, err: unknown): ToolFailure {
  const code = errnoCode(err) ?? "EIO";
  const hints: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOSPC: "no space left on device",
    EROFS: "read-only file system",
    ENAMETOOLONG: "a name in the path is too long",
    EISDIR: "it is a directory",
    EBUSY: "the resource is busy",
  };
  return new ToolFailure("IO_ERROR", `Cannot use "${path}": ${hints[code] ?? code}.`, { path, errno: code });
}

/** The `code` of a Node-style system error (`ENOENT`, …), if any. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}
