/**
 * Use-time containment: files and directories are opened without following a final symlink, and the
 * opened descriptor's real location is checked again before anything is read or written. Writes go
 * through an "anchored" directory (`/proc/self/fd/<n>`), so a parent swapped for a symlink after the
 * check cannot redirect them. Without `/proc` (non-Linux) the checks fall back to inode comparison.
 */
import { constants, existsSync, type Stats } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readlink, realpath } from "node:fs/promises";
import { posix } from "node:path";
import { assertInside, type ContainmentScope, kindOf, type ResolvedPath } from "./containment.ts";
import { errnoCode, ioError, notADirectory, pathChanged, specialFile, ToolFailure } from "./errors.ts";

const PROC_FD = "/proc/self/fd";
const hasProcFd = existsSync(PROC_FD);

/** A file or directory opened after its containment was verified on the descriptor. */
export interface VerifiedHandle {
  readonly handle: FileHandle;
  readonly stats: Stats;
  /** A path that reaches exactly the opened object (`/proc/self/fd/<n>` on Linux). */
  readonly anchor: string;
  close(): Promise<void>;
}

/**
 * Opens a resolved path read-only. Contract: refuses (with `ToolFailure`) a final symlink, a FIFO,
 * socket or device, an object of the wrong kind, and a descriptor whose real location is outside
 * the scope; never blocks on a FIFO.
 */
export async function openVerified(
  resolved: ResolvedPath,
  expect: "file" | "directory",
): Promise<VerifiedHandle> {
  const flags =
    constants.O_RDONLY |
    constants.O_NOFOLLOW |
    constants.O_NONBLOCK |
    (expect === "directory" ? constants.O_DIRECTORY : 0);
  let handle: FileHandle;
  try {
    handle = await open(resolved.real, flags);
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ELOOP" || code === "ENOENT") throw pathChanged(resolved.input);
    if (code === "ENOTDIR") throw notADirectory(resolved.input);
    throw ioError(resolved.input, err);
  }
  try {
    const stats = await handle.stat();
    const kind = kindOf(stats);
    if (kind !== "file" && kind !== "directory") throw specialFile(resolved.input, kindName(kind));
    if (kind !== expect) throw pathChanged(resolved.input);
    await verifyDescriptor(handle.fd, stats, resolved.real, resolved.scope, resolved.input);
    return { handle, stats, anchor: anchorOf(handle.fd, resolved.real), close: () => handle.close() };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Opens the existing directory `real` (already resolved and checked) as an anchor for writes, then
 * creates each of `missing` below it, re-anchoring and re-checking at every level.
 */
export async function openAnchoredDirectory(
  scope: ContainmentScope,
  real: string,
  missing: readonly string[],
  shown: string,
): Promise<VerifiedHandle> {
  let current = await openDirectory(scope, real, shown);
  let currentReal = real;
  for (const name of missing) {
    try {
      await mkdir(`${current.anchor}/${name}`);
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") {
        await current.close();
        throw ioError(shown, err);
      }
    }
    const nextReal = posix.join(currentReal, name);
    const next = await openDirectory(scope, nextReal, shown, current.anchor).finally(() => current.close());
    current = next;
    currentReal = nextReal;
  }
  return current;
}

/** Where a write to a resolved path goes: an anchored parent directory and the final name. */
export interface WriteTarget {
  readonly directory: VerifiedHandle;
  readonly name: string;
}

/**
 * Prepares a write to `resolved`: refuses an existing directory or special file, creates missing
 * parent directories (each one anchored and checked), and anchors the parent. The caller writes
 * with `writeFileAtomic(target.directory.anchor, target.name, …)` and closes `target.directory`.
 */
export async function openWriteTarget(resolved: ResolvedPath): Promise<WriteTarget> {
  if (resolved.exists) {
    if (resolved.kind === "directory") {
      throw new ToolFailure("IS_DIRECTORY", `"${resolved.input}" is a directory; give a file path.`);
    }
    if (resolved.kind !== "file") throw specialFile(resolved.input, kindName(resolved.kind ?? "other"));
    const directory = await openAnchoredDirectory(resolved.scope, resolved.ancestor, [], resolved.input);
    return { directory, name: posix.basename(resolved.real) };
  }
  const name = resolved.missing.at(-1);
  if (name === undefined) throw pathChanged(resolved.input);
  const directory = await openAnchoredDirectory(
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

async function openDirectory(
  scope: ContainmentScope,
  real: string,
  shown: string,
  parentAnchor?: string,
): Promise<VerifiedHandle> {
  const path = parentAnchor === undefined ? real : `${parentAnchor}/${posix.basename(real)}`;
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ELOOP" || code === "ENOTDIR" || code === "ENOENT") throw pathChanged(shown);
    throw ioError(shown, err);
  }
  try {
    const stats = await handle.stat();
    await verifyDescriptor(handle.fd, stats, real, scope, shown);
    return { handle, stats, anchor: anchorOf(handle.fd, real), close: () => handle.close() };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function anchorOf(fd: number, real: string): string {
  return hasProcFd ? `${PROC_FD}/${fd}` : real;
}

/** Checks where an open descriptor really is. */
async function verifyDescriptor(
  fd: number,
  stats: Stats,
  expected: string,
  scope: ContainmentScope,
  shown: string,
): Promise<void> {
  if (hasProcFd) {
    const actual = await readlink(`${PROC_FD}/${fd}`);
    if (!actual.startsWith("/") || actual.endsWith(" (deleted)")) throw pathChanged(shown);
    assertInside(scope, actual, shown);
    return;
  }
  const actual = await realpath(expected).catch(() => undefined);
  if (actual === undefined) throw pathChanged(shown);
  assertInside(scope, actual, shown);
  const now = await lstat(actual);
  if (now.ino !== stats.ino || now.dev !== stats.dev) throw pathChanged(shown);
}
