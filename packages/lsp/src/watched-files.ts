/**
 * File watchers a server registers dynamically (`client/registerCapability` for
 * `workspace/didChangeWatchedFiles`). Each distinct base directory gets one `fs.watch` with a
 * permanent error listener; events are batched, typed (created/changed/deleted), matched against
 * the registered globs and kinds, and sent to the server as `workspace/didChangeWatchedFiles`.
 */
import { existsSync, type FSWatcher, statSync, watch } from "node:fs";
import { join, relative } from "node:path";
import type { Logger } from "@dispatch/kernel";
import { TEMP_SUFFIX } from "@dispatch/tool-kit";
import { fromUri, isInside, toUri } from "./paths.ts";
import type { FileEvent, FileSystemWatcher } from "./protocol.ts";

/** Options of `createWatchedFiles`. */
export interface WatchedFilesOptions {
  /** The server's workspace root: the base of plain (non-relative) glob patterns. */
  root: string;
  logger: Logger;
  /** Delivers a batch to the server. Contract: must not throw. */
  send(changes: FileEvent[]): void;
  /** How long events are gathered before a batch is sent. Defaults to 100 ms. */
  debounceMs?: number;
  /** At most this many directories are watched per server. Defaults to 64. */
  maxDirectories?: number;
}

/** The watchers of one server. */
export interface WatchedFiles {
  register(id: string, watchers: readonly FileSystemWatcher[]): void;
  unregister(id: string): void;
  /** The directories watched now (recursive ones end with `/**`). */
  directories(): string[];
  /** Closes every watcher and drops pending events. Idempotent. */
  dispose(): void;
}

interface CompiledWatcher {
  base: string;
  glob: Bun.Glob;
  /** Plain patterns are also tried against the absolute path. */
  absolute: boolean;
  kind: number;
  recursive: boolean;
}

const KIND_BIT: Record<FileEvent["type"], number> = { 1: 1, 2: 2, 3: 4 };

/** Watchers for one server; nothing is watched until the server registers something. */
export function createWatchedFiles(options: WatchedFilesOptions): WatchedFiles {
  const { root, logger } = options;
  const debounceMs = options.debounceMs ?? 100;
  const maxDirectories = options.maxDirectories ?? 64;
  const registrations = new Map<string, CompiledWatcher[]>();
  const active = new Map<string, FSWatcher>();
  const pending = new Map<string, { renamed: boolean }>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const flush = (): void => {
    timer = undefined;
    const changes: FileEvent[] = [];
    for (const [path, seen] of pending) {
      const type = eventType(path, seen.renamed);
      if (matches(registrations, path, type)) changes.push({ uri: toUri(path), type });
    }
    pending.clear();
    if (changes.length > 0 && !disposed) options.send(changes);
  };

  const onEvent = (dir: string, event: string, filename: string | null): void => {
    if (disposed || filename === null) return;
    const path = join(dir, filename);
    if (path.includes("/.git/") || path.includes(TEMP_SUFFIX)) return;
    const seen = pending.get(path) ?? { renamed: false };
    seen.renamed ||= event === "rename";
    pending.set(path, seen);
    timer ??= setTimeout(flush, debounceMs);
    timer.unref?.();
  };

  const sync = (): void => {
    const wanted = wantedDirectories(registrations, maxDirectories);
    for (const [key, watcher] of active) {
      if (wanted.has(key)) continue;
      watcher.close();
      active.delete(key);
    }
    for (const [key, { dir, recursive }] of wanted) {
      if (active.has(key)) continue;
      const watcher = startWatcher(dir, recursive, (event, name) => onEvent(dir, event, name), logger);
      if (watcher !== undefined) {
        watcher.on("error", (err) => {
          logger.warn("file watcher failed; changes below it are no longer reported", { err, dir });
          watcher.close();
          active.delete(key);
        });
        active.set(key, watcher);
      }
    }
  };

  return {
    register(id, watchers) {
      if (disposed) return;
      registrations.set(id, compile(watchers, root));
      sync();
    },
    unregister(id) {
      if (registrations.delete(id) && !disposed) sync();
    },
    directories: () => [...active.keys()],
    dispose() {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const watcher of active.values()) watcher.close();
      active.clear();
      pending.clear();
      registrations.clear();
    },
  };
}

function compile(watchers: readonly FileSystemWatcher[], root: string): CompiledWatcher[] {
  const compiled: CompiledWatcher[] = [];
  for (const watcher of watchers) {
    const { globPattern } = watcher;
    const relativePattern = typeof globPattern !== "string";
    const pattern = relativePattern ? globPattern.pattern : globPattern;
    const baseUri = relativePattern
      ? typeof globPattern.baseUri === "string"
        ? globPattern.baseUri
        : globPattern.baseUri.uri
      : undefined;
    const base = baseUri === undefined ? root : fromUri(baseUri);
    if (base === undefined || pattern === "") continue;
    compiled.push({
      base,
      glob: new Bun.Glob(pattern),
      absolute: !relativePattern,
      kind: watcher.kind ?? 7,
      recursive: pattern.includes("/") || pattern.includes("**"),
    });
  }
  return compiled;
}

function wantedDirectories(
  registrations: Map<string, CompiledWatcher[]>,
  max: number,
): Map<string, { dir: string; recursive: boolean }> {
  const all = [...registrations.values()].flat();
  // Recursive bases first and shortest first, so a base inside a recursive one is skipped.
  all.sort((a, b) => Number(b.recursive) - Number(a.recursive) || a.base.length - b.base.length);
  const wanted = new Map<string, { dir: string; recursive: boolean }>();
  const recursiveDirs: string[] = [];
  for (const { base, recursive } of all) {
    if (recursiveDirs.some((dir) => isInside(base, dir))) continue;
    const key = recursive ? `${base}/**` : base;
    if (wanted.has(key) || wanted.size >= max) continue;
    wanted.set(key, { dir: base, recursive });
    if (recursive) recursiveDirs.push(base);
  }
  return wanted;
}

function startWatcher(
  dir: string,
  recursive: boolean,
  listener: (event: string, filename: string | null) => void,
  logger: Logger,
): FSWatcher | undefined {
  try {
    if (!statSync(dir).isDirectory()) return undefined;
    return watch(dir, { recursive, persistent: false }, (event, filename) =>
      listener(event, filename === null ? null : String(filename)),
    );
  } catch (err) {
    // A base that does not exist (yet) is common (e.g. node_modules/@types); it is skipped.
    logger.debug("not watching a directory", {
      dir,
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}

function eventType(path: string, renamed: boolean): FileEvent["type"] {
  if (!existsSync(path)) return 3;
  return renamed ? 1 : 2;
}

function matches(
  registrations: Map<string, CompiledWatcher[]>,
  path: string,
  type: FileEvent["type"],
): boolean {
  for (const watchers of registrations.values()) {
    for (const watcher of watchers) {
      if ((watcher.kind & KIND_BIT[type]) === 0) continue;
      if (watcher.absolute && watcher.glob.match(path)) return true;
      if (!isInside(path, watcher.base) || path === watcher.base) continue;
      if (watcher.glob.match(relative(watcher.base, path))) return true;
    }
  }
  return false;
}
