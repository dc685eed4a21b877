/**
 * Path containment for file tools. A path is resolved against the turn's cwd the way the kernel
 * would (component by component, expanding symlinks, `..` going to the physical parent), and the
 * resulting real path must lie inside an allowed root and outside every denied root. `safe-fs.ts`
 * repeats the check on the opened file descriptor, so a path swapped after this check is caught.
 *
 * Every filesystem call here is synchronous (`lstatSync`, `readlinkSync`, `realpathSync`): each is
 * a single metadata syscall of a few microseconds, where the `node:fs/promises` form costs 50-100 µs
 * of thread-pool hop (notes/tools.md, "Metadata calls are synchronous"). The exported functions
 * keep their promise-returning signatures.
 */
import { lstatSync, readlinkSync, realpathSync, type Stats } from "node:fs";
import { isAbsolute, posix } from "node:path";
import {
  deniedPath,
  errnoCode,
  invalidPath,
  ioError,
  noCwd,
  notADirectory,
  notFound,
  outsideRoot,
  specialFile,
  symlinkLoop,
  ToolFailure,
} from "./errors.ts";

/** Where file tools may reach; passed to each file-tool extension factory. */
export interface ContainmentOptions {
  /** Directories besides the cwd the tools may use (a workspace setting). */
  extraRoots?: readonly string[];
  /** Directories the tools may never use, even inside a root (the daemon's data directory). */
  deniedRoots?: readonly string[];
}

/**
 * One call's containment: the factory's options plus the turn's extra roots (`ToolContext.roots`,
 * from the workspace's settings; relative entries are ignored). Denied roots still win over every root.
 */
export function withTurnRoots(
  options: ContainmentOptions,
  turnRoots: readonly string[] | undefined,
): ContainmentOptions {
  const added = (turnRoots ?? []).filter((root) => isAbsolute(root));
  if (added.length === 0) return options;
  return { ...options, extraRoots: [...(options.extraRoots ?? []), ...added] };
}

/** The real (symlink-free) directories one call checks against. */
export interface ContainmentScope {
  /** Real path of the turn's cwd; also the base of relative paths and of display paths. */
  readonly cwd: string;
  /** Real paths of every allowed root (the cwd first). */
  readonly roots: readonly string[];
  /** Real (or, when missing, absolute) paths of every denied root. */
  readonly denied: readonly string[];
}

/** What a path's real target is. */
export type PathKind = "file" | "directory" | "fifo" | "socket" | "device" | "other";

/** A path that passed containment. */
export interface ResolvedPath {
  readonly scope: ContainmentScope;
  /** The path as the model wrote it. */
  readonly input: string;
  /** The real absolute path; for a missing target, the real existing ancestor plus the missing names. */
  readonly real: string;
  /** How to show the path to the model: relative to the cwd when inside it, else absolute. */
  readonly display: string;
  readonly exists: boolean;
  /** The kind of the real target, when it exists (special files are refused). */
  readonly kind?: "file" | "directory";
  /** The deepest existing directory on the way to `real` (its parent when the target exists). */
  readonly ancestor: string;
  /** Names below `ancestor` that do not exist yet (empty when the target exists). */
  readonly missing: readonly string[];
}

/** Per-call options of `resolveInside`. */
export interface ResolveOptions extends ContainmentOptions {
  /** Accept a target that does not exist yet (its existing ancestors are still checked). */
  allowMissing?: boolean;
}

const MAX_SYMLINKS = 40;

/** `child` is `parent` or lies below it (never a sibling sharing its prefix). */
export function isInside(child: string, parent: string): boolean {
  if (parent === "/") return child.startsWith("/");
  return child === parent || child.startsWith(`${parent}/`);
}

/** Resolves the roots of one call. Throws `ToolFailure` when there is no usable cwd. */
export async function createScope(
  cwd: string | undefined,
  options: ContainmentOptions = {},
): Promise<ContainmentScope> {
  if (cwd === undefined || cwd === "") throw noCwd();
  if (!isAbsolute(cwd)) throw invalidPath(cwd, "the working directory must be an absolute path");
  let cwdReal: string;
  try {
    cwdReal = realpathSync(cwd);
  } catch (err) {
    throw new ToolFailure(
      "NO_CWD",
      `The working directory ${cwd} cannot be used (${errnoCode(err) ?? "error"}).`,
    );
  }
  const roots = [cwdReal];
  for (const extra of options.extraRoots ?? []) {
    const real = realOrUndefined(extra);
    if (real !== undefined && !roots.includes(real)) roots.push(real);
  }
  const denied: string[] = [];
  for (const path of options.deniedRoots ?? []) {
    denied.push(realOrUndefined(path) ?? posix.resolve(path));
  }
  return { cwd: cwdReal, roots, denied };
}

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Throws unless `real` lies inside a root of `scope` and outside its denied roots.
 * `shown` is what the model called the path.
 */
export function assertInside(scope: ContainmentScope, real: string, shown: string): void {
  if (scope.denied.some((denied) => isInside(real, denied))) throw deniedPath(shown);
  if (!scope.roots.some((root) => isInside(real, root))) throw outsideRoot(shown, scope.cwd);
}

/** How a real path is shown to the model. */
export function displayPath(scope: ContainmentScope, real: string): string {
  if (real === scope.cwd) return ".";
  return isInside(real, scope.cwd) ? real.slice(scope.cwd.length + 1) : real;
}

/**
 * Resolves `path` (relative to `cwd`, or absolute) to a real path inside the allowed roots.
 * Contract: throws `ToolFailure` (with a model-readable message) for every refusal, including
 * FIFOs, sockets and devices; never follows a symlink without checking where it leads.
 */
export async function resolveInside(
  cwd: string | undefined,
  path: string,
  options: ResolveOptions = {},
): Promise<ResolvedPath> {
  const scope = await createScope(cwd, options);
  return resolveInScope(scope, path, options.allowMissing ?? false);
}

/** `resolveInside` for an existing scope (several paths in one call). */
export async function resolveInScope(
  scope: ContainmentScope,
  path: string,
  allowMissing: boolean,
): Promise<ResolvedPath> {
  if (path === "") throw invalidPath(path, "it is empty");
  if (path.includes("\0")) throw invalidPath(path, "it contains a NUL byte");
  const walked = walk(isAbsolute(path) ? "/" : scope.cwd, path);
  const real = walked.missing.length === 0 ? walked.real : posix.join(walked.real, ...walked.missing);
  assertInside(scope, real, path);
  if (walked.missing.length > 0) {
    if (!allowMissing) throw notFound(path);
    return {
      scope,
      input: path,
      real,
      display: displayPath(scope, real),
      exists: false,
      ancestor: walked.real,
      missing: walked.missing,
    };
  }
  let stats: Stats;
  try {
    stats = lstatSync(real);
  } catch (err) {
    throw ioError(path, err);
  }
  const kind = kindOf(stats);
  if (kind !== "file" && kind !== "directory")
    throw specialFile(path, kind === "fifo" ? "FIFO (named pipe)" : kind);
  return {
    scope,
    input: path,
    real,
    display: displayPath(scope, real),
    exists: true,
    kind,
    ancestor: posix.dirname(real),
    missing: [],
  };
}

/** The kind of an `lstat`/`fstat` result. */
export function kindOf(stats: {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): PathKind {
  if (stats.isFile()) return "file";
  if (stats.isDirectory()) return "directory";
  if (stats.isFIFO()) return "fifo";
  if (stats.isSocket()) return "socket";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "device";
  return "other";
}

/**
 * Walks `path` from `start` (a real directory) like the kernel's path lookup, expanding symlinks
 * itself so every hop is known. Stops at the first missing name and returns the rest.
 */
function walk(start: string, path: string): { real: string; missing: string[] } {
  let current = start;
  const queue = path.split("/");
  let links = 0;
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (name === "" || name === ".") continue;
    if (name === "..") {
      current = posix.dirname(current);
      continue;
    }
    const candidate = current === "/" ? `/${name}` : `${current}/${name}`;
    let stats: Stats;
    try {
      stats = lstatSync(candidate);
    } catch (err) {
      const code = errnoCode(err);
      if (code === "ENOENT") return { real: current, missing: missingNames(path, name, queue) };
      if (code === "ENOTDIR") throw notADirectory(path);
      throw ioError(path, err);
    }
    if (stats.isSymbolicLink()) {
      links += 1;
      if (links > MAX_SYMLINKS) throw symlinkLoop(path);
      let target: string;
      try {
        target = readlinkSync(candidate);
      } catch (err) {
        throw ioError(path, err);
      }
      if (target.startsWith("/")) current = "/";
      queue.unshift(...target.split("/"));
      continue;
    }
    if (!stats.isDirectory() && queue.some((rest) => rest !== "" && rest !== ".")) throw notADirectory(path);
    current = candidate;
  }
  return { real: current, missing: [] };
}

function missingNames(path: string, first: string, rest: readonly string[]): string[] {
  const names = [first, ...rest].filter((name) => name !== "" && name !== ".");
  // The kernel cannot walk `..` out of a directory that does not exist.
  if (names.includes("..")) throw notFound(path);
  return names;
}
