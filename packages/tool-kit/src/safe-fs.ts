/**
 * Use-time containment: files and directories are opened without following a final symlink, and the
 * opened descriptor's real location is checked again before anything is read or written. Writes go
 * through an "anchored" directory (`/proc/self/fd/<n>`), so a parent swapped for a symlink after the
 * check cannot redirect them. Without `/proc` (non-Linux) the checks fall back to inode comparison.
 *
 * Opening, `fstat`, the descriptor re-check and `mkdir` are synchronous calls (a few microseconds
 * each, against 50-100 µs for the `node:fs/promises` form); file content above `SYNC_IO_MAX_BYTES`
 * is read asynchronously so a large file never holds the event loop (notes/tools.md).
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  read,
  readlinkSync,
  readSync,
  realpathSync,
  type Stats,
} from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { posix } from "node:path";
import { assertInside, type ContainmentScope, kindOf, type ResolvedPath } from "./containment.ts";
import { errnoCode, ioError, notADirectory, pathChanged, specialFile, ToolFailure } from "./errors.ts";

const PROC_FD = "/proc/self/fd";
const hasProcFd = existsSync(PROC_FD);

/**
 * Content up to this many bytes is read and written with synchronous calls; larger content goes
 * through the asynchronous API. A warm 1 MiB read takes ~0.1 ms, so the event loop is never held
 * longer than one thread-pool hop would cost anyway; a cold or larger file can take milliseconds.
 */
export const SYNC_IO_MAX_BYTES = 1024 * 1024;

/** A file or directory opened after its containment was verified on the descriptor. */
export interface VerifiedHandle {
  readonly handle: FileHandle;
  readonly stats: Stats;
  /** A path that reaches exactly the opened object (`/proc/self/fd/<n>` on Linux). */
  readonly anchor: string;
  close(): Promise<void>;
}

/**
 * A raw descriptor opened (synchronously) after its containment was verified on it. `close` is
 * idempotent: a descriptor number is never closed twice (it may already belong to another file).
 */
export interface VerifiedFd {
  readonly fd: number;
  readonly stats: Stats;
  /** A path that reaches exactly the opened object (`/proc/self/fd/<n>` on Linux). */
  readonly anchor: string;
  close(): void;
}

function readFlags(expect: "file" | "directory"): number {
  return (
    constants.O_RDONLY |
    constants.O_NOFOLLOW |
    constants.O_NONBLOCK |
    (expect === "directory" ? constants.O_DIRECTORY : 0)
  );
}

function openFailure(shown: string, err: unknown): ToolFailure {
  const code = errnoCode(err);
  if (code === "ELOOP" || code === "ENOENT") return pathChanged(shown);
  if (code === "ENOTDIR") return notADirectory(shown);
  return ioError(shown, err);
}

/** `fstat`s an opened descriptor and checks its kind and real location; returns the stats. */
function checkOpened(fd: number, resolved: ResolvedPath, expect: "file" | "directory"): Stats {
  const stats = fstatSync(fd);
  const kind = kindOf(stats);
  if (kind !== "file" && kind !== "directory") throw specialFile(resolved.input, kindName(kind));
  if (kind !== expect) throw pathChanged(resolved.input);
  verifyDescriptor(fd, stats, resolved.real, resolved.scope, resolved.input);
  return stats;
}

/**
 * Opens a resolved path read-only, synchronously. Contract: refuses (with `ToolFailure`) a final
 * symlink, a FIFO, socket or device, an object of the wrong kind, and a descriptor whose real
 * location is outside the scope; never blocks on a FIFO (`O_NONBLOCK`).
 */
export function openVerifiedFd(resolved: ResolvedPath, expect: "file" | "directory"): VerifiedFd {
  let fd: number;
  try {
    fd = openSync(resolved.real, readFlags(expect));
  } catch (err) {
    throw openFailure(resolved.input, err);
  }
  try {
    const stats = checkOpened(fd, resolved, expect);
    return verifiedFd(fd, stats, anchorOf(fd, resolved.real));
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * `openVerifiedFd` returning a `FileHandle` (for callers that read through the promise API). The
 * open is asynchronous (a `FileHandle` cannot wrap a raw descriptor); the checks are the same.
 */
export async function openVerified(
  resolved: ResolvedPath,
  expect: "file" | "directory",
): Promise<VerifiedHandle> {
  let handle: FileHandle;
  try {
    handle = await open(resolved.real, readFlags(expect));
  } catch (err) {
    throw openFailure(resolved.input, err);
  }
  try {
    const stats = checkOpened(handle.fd, resolved, expect);
    return { handle, stats, anchor: anchorOf(handle.fd, resolved.real), close: () => handle.close() };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * The whole content of a verified file, from offset 0 to its end (which may lie past the size
 * `fstat` reported, if the file grew). Synchronous reads up to `SYNC_IO_MAX_BYTES`, asynchronous
 * ones above.
 */
export async function readVerified(opened: VerifiedFd): Promise<Uint8Array> {
  const small = opened.stats.size <= SYNC_IO_MAX_BYTES;
  let buffer = new Uint8Array(Math.max(opened.stats.size + 1, 4096));
  let length = 0;
  for (;;) {
    if (length === buffer.byteLength) {
      const grown = new Uint8Array(buffer.byteLength * 2);
      grown.set(buffer);
      buffer = grown;
    }
    const room = buffer.byteLength - length;
    // A file that grew past the limit since `fstat` continues asynchronously.
    const bytesRead =
      small && length <= SYNC_IO_MAX_BYTES
        ? readSync(opened.fd, buffer, length, Math.min(room, SYNC_IO_MAX_BYTES), length)
        : await readVerifiedAt(opened, buffer.subarray(length), length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return buffer.subarray(0, length);
}

/** Reads into `buffer` from `position` with the asynchronous API (large files); resolves bytes read. */
export function readVerifiedAt(opened: VerifiedFd, buffer: Uint8Array, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(opened.fd, buffer, 0, buffer.byteLength, position, (err, bytesRead) => {
      if (err) reject(err);
      else resolve(bytesRead);
    });
  });
}

/**
 * Opens the existing directory `real` (already resolved and checked) as an anchor for writes, then
 * creates each of `missing` below it, re-anchoring and re-checking at every level.
 */
export function openAnchoredDirectory(
  scope: ContainmentScope,
  real: string,
  missing: readonly string[],
  shown: string,
): VerifiedFd {
  let current = openDirectory(scope, real, shown);
  let currentReal = real;
  for (const name of missing) {
    try {
      mkdirSync(`${current.anchor}/${name}`);
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") {
        current.close();
        throw ioError(shown, err);
      }
    }
    const nextReal = posix.join(currentReal, name);
    let next: VerifiedFd;
    try {
      next = openDirectory(scope, nextReal, shown, current.anchor);
    } finally {
      current.close();
    }
    current = next;
    currentReal = nextReal;
  }
  return current;
}

/** Where a write to a resolved path goes: an anchored parent directory and the final name. */
export interface WriteTarget {
  readonly directory: VerifiedFd;
  readonly name: string;
}

/**
 * Prepares a write to `resolved`: refuses an existing directory or special file, creates missing
 * parent directories (each one anchored and checked), and anchors the parent. The caller writes
 * with `writeFileAtomic(target.directory.anchor, target.name, …)` and closes `target.directory`.
 */
export function openWriteTarget(resolved: ResolvedPath): WriteTarget {
  if (resolved.exists) {
    if (resolved.kind === "directory") {
      throw new ToolFailure("IS_DIRECTORY", `"${resolved.input}" is a directory; give a file path.`);
    }
    if (resolved.kind !== "file") throw specialFile(resolved.input, kindName(resolved.kind ?? "other"));
    const directory = openAnchoredDirectory(resolved.scope, resolved.ancestor, [], resolved.input);
    return { directory, name: posix.basename(resolved.real) };
  }
  const name = resolved.missing.at(-1);
  if (name === undefined) throw pathChanged(resolved.input);
  const directory = openAnchoredDirectory(
    resolved.scope,
    resolved.ancestor,
    resolved.missing.slice(0, -1),
    resolved.input,
  );
  return { directory, name };
}

/** The kind of special file, in words. */
function kindName(kind: string): string {
  return kind === "fifo" ? "FIFO (named pipe)" : kind;
}

function openDirectory(
  scope: ContainmentScope,
  real: string,
  shown: string,
  parentAnchor?: string,
): VerifiedFd {
  const path = parentAnchor === undefined ? real : `${parentAnchor}/${posix.basename(real)}`;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ELOOP" || code === "ENOTDIR" || code === "ENOENT") throw pathChanged(shown);
    throw ioError(shown, err);
  }
  try {
    const stats = fstatSync(fd);
    verifyDescriptor(fd, stats, real, scope, shown);
    return verifiedFd(fd, stats, anchorOf(fd, real));
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function verifiedFd(fd: number, stats: Stats, anchor: string): VerifiedFd {
  let closed = false;
  return {
    fd,
    stats,
    anchor,
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}

function anchorOf(fd: number, real: string): string {
  return hasProcFd ? `${PROC_FD}/${fd}` : real;
}

/** Checks where an open descriptor really is. */
function verifyDescriptor(
  fd: number,
  stats: Stats,
  expected: string,
  scope: ContainmentScope,
  shown: string,
): void {
  if (hasProcFd) {
    const actual = readlinkSync(`${PROC_FD}/${fd}`);
    if (!actual.startsWith("/") || actual.endsWith(" (deleted)")) throw pathChanged(shown);
    assertInside(scope, actual, shown);
    return;
  }
  let actual: string;
  try {
    actual = realpathSync(expected);
  } catch {
    throw pathChanged(shown);
  }
  assertInside(scope, actual, shown);
  const now = lstatSync(actual);
  if (now.ino !== stats.ino || now.dev !== stats.dev) throw pathChanged(shown);
}
