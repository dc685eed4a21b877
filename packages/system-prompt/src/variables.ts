/**
 * Resolves the variables a template uses: clock and host facts, the turn's context, git facts from
 * short-lived `git` processes (which never run a program the repository's config names), and files
 * read from inside the working directory only (no absolute paths, no `..` or symlink escapes, never
 * a denied root), size-capped. Nothing here throws: a variable that cannot be resolved is absent.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { open, realpath, stat } from "node:fs/promises";
import { arch, hostname, release, type } from "node:os";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { GitCache } from "./git-cache.ts";

/** What the prompt is being built for. */
export interface VariableContext {
  conversationId: string;
  cwd: string;
  model: string;
  workspaceId: string;
  /** The build time, epoch ms. */
  now: number;
}

/** Limits and the git binary. */
export interface ResolveOptions {
  /** Default `"git"` (looked up on `PATH`); a missing binary leaves the git variables empty. */
  gitPath?: string;
  /** Per git command. Default 2000 ms. */
  gitTimeoutMs?: number;
  /** Cap of `file:<path>`. Default `MAX_FILE_BYTES`. */
  maxFileBytes?: number;
  /** Cap of `project:instructions`. Default `MAX_INSTRUCTIONS_BYTES`. */
  maxInstructionsBytes?: number;
  /**
   * Directories `file:<path>` never reads from, even inside the cwd (the daemon's data directory).
   * `project:instructions` reads only AGENTS.md or CLAUDE.md at the cwd itself and ignores this.
   */
  deniedRoots?: readonly string[];
  /** Shares `git` outputs between builds for a short time (the builder passes one); absent, every build runs git. */
  gitCache?: GitCache;
}

/** Default cap of a `file:` variable. */
export const MAX_FILE_BYTES = 64 * 1024;
/** Default cap of `project:instructions`. */
export const MAX_INSTRUCTIONS_BYTES = 32 * 1024;
/** The files `project:instructions` reads, first found wins. */
export const INSTRUCTION_FILES = ["AGENTS.md", "CLAUDE.md"] as const;
const MAX_GIT_STATUS_LINES = 200;

/** Resolves `keys` (`type:name`); absent keys have no value (unknown, missing or failed). */
export async function resolveVariables(
  keys: readonly string[],
  context: VariableContext,
  options: ResolveOptions = {},
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  await Promise.all(
    keys.map(async (key) => {
      const value = await resolveOne(key, context, options);
      if (value !== undefined) values.set(key, value);
    }),
  );
  return values;
}

async function resolveOne(key: string, context: VariableContext, options: ResolveOptions) {
  const colon = key.indexOf(":");
  const kind = key.slice(0, colon);
  const name = key.slice(colon + 1);
  if (kind === "file") {
    return readContained(context.cwd, name, options.maxFileBytes ?? MAX_FILE_BYTES, options.deniedRoots);
  }
  if (kind === "git") return gitVariable(name, context.cwd, options);
  if (key === "project:instructions") return projectInstructions(context.cwd, options);
  return staticVariable(key, context);
}

function staticVariable(key: string, context: VariableContext): string | undefined {
  switch (key) {
    case "system:time":
      return new Date(context.now).toISOString();
    case "system:date":
      return localDate(context.now);
    case "system:os":
      return `${type()} ${release()} (${arch()})`;
    case "system:hostname":
      return hostname();
    case "prompt:cwd":
      return context.cwd;
    case "prompt:model":
      return context.model;
    case "prompt:conversation_id":
      return context.conversationId;
    case "prompt:workspace_id":
      return context.workspaceId;
    default:
      return undefined;
  }
}

function localDate(ts: number): string {
  const date = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

async function projectInstructions(cwd: string, options: ResolveOptions): Promise<string | undefined> {
  for (const file of INSTRUCTION_FILES) {
    const text = await readContained(cwd, file, options.maxInstructionsBytes ?? MAX_INSTRUCTIONS_BYTES);
    if (text !== undefined) return text;
  }
  return undefined;
}

/**
 * The text of `path` (relative to `cwd`) when it is a regular file inside `cwd` and outside every
 * denied root after resolving symlinks, cut at `maxBytes` with a note; otherwise `undefined`.
 */
export async function readContained(
  cwd: string,
  path: string,
  maxBytes: number,
  deniedRoots: readonly string[] = [],
): Promise<string | undefined> {
  if (path === "" || isAbsolute(path)) return undefined;
  // Usually the file is absent (no AGENTS.md): one stat answers that without the async round trips.
  if (!existsSync(resolve(cwd, path))) return undefined;
  try {
    const root = await realpath(cwd);
    const target = await realpath(resolve(root, path));
    if (!inside(root, target) || !(await stat(target)).isFile()) return undefined;
    for (const denied of deniedRoots) {
      const real = await realpath(denied).catch(() => resolve(denied));
      if (target === real || inside(real, target)) return undefined;
    }
    const file = await open(target, "r");
    try {
      const buffer = new Uint8Array(maxBytes + 1);
      const { bytesRead } = await file.read(buffer, 0, maxBytes + 1, 0);
      if (bytesRead <= maxBytes) return new TextDecoder().decode(buffer.subarray(0, bytesRead));
      // A cut inside a multi-byte character decodes to U+FFFD; drop it.
      const text = new TextDecoder().decode(buffer.subarray(0, maxBytes)).replace(/\uFFFD$/, "");
      return `${text}\n… (truncated: the file is larger than ${maxBytes} bytes)`;
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
}

function inside(root: string, target: string): boolean {
  const path = relative(root, target);
  return path !== "" && !isAbsolute(path) && path.split(sep)[0] !== "..";
}

async function gitVariable(name: string, cwd: string, options: ResolveOptions): Promise<string | undefined> {
  if (name === "branch") return (await git(["branch", "--show-current"], cwd, options))?.trim() || undefined;
  if (name !== "status") return undefined;
  const status = await git(["status", "--short"], cwd, options);
  if (status === undefined) return undefined;
  const lines = status.trimEnd().split("\n");
  if (lines.length <= MAX_GIT_STATUS_LINES) return lines.join("\n");
  const more = lines.length - MAX_GIT_STATUS_LINES;
  return `${lines.slice(0, MAX_GIT_STATUS_LINES).join("\n")}\n… (${more} more)`;
}

/** Git's stdout in `cwd` (through the cache when one is given), or `undefined` on any failure. */
function git(args: string[], cwd: string, options: ResolveOptions): Promise<string | undefined> {
  const { gitCache } = options;
  if (gitCache === undefined) return runGit(args, cwd, options);
  const key = [options.gitPath ?? "git", cwd, ...args].join("\u0000");
  return gitCache.get(key, () => runGit(args, cwd, options));
}

/** Runs git in `cwd`; its stdout, or `undefined` on any failure (no git, not a repository, timeout). */
function runGit(args: string[], cwd: string, options: ResolveOptions): Promise<string | undefined> {
  return new Promise((done) => {
    const child = execFile(
      options.gitPath ?? "git",
      // A repository's own config must not run commands: `core.fsmonitor` names a program `status` runs.
      ["-c", "core.fsmonitor=false", "--no-optional-locks", "-C", cwd, ...args],
      { timeout: options.gitTimeoutMs ?? 2_000, maxBuffer: 1024 * 1024, encoding: "utf8" },
      (err, stdout) => done(err ? undefined : stdout),
    );
    child.on("error", () => done(undefined));
  });
}
