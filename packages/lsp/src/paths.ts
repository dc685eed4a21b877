/**
 * Path helpers: workspace roots found by marker files, properly encoded `file:` URIs (via
 * `pathToFileURL`, so spaces, `#` and `%` survive), display paths relative to the cwd, and the
 * LSP language id of a file.
 */
import { existsSync } from "node:fs";
import { basename, dirname, extname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * The workspace root for `file`: the nearest directory from the file's own up to `cwd` holding one
 * of `markers`, else `cwd`. Files outside `cwd` get their own directory's nearest marker or `cwd`.
 */
export function findRoot(file: string, cwd: string, markers: readonly string[]): string {
  if (!isInside(file, cwd)) return cwd;
  let dir = dirname(file);
  for (;;) {
    if (markers.some((marker) => existsSync(join(dir, marker)))) return dir;
    if (dir === cwd) return cwd;
    const parent = dirname(dir);
    if (parent === dir) return cwd;
    dir = parent;
  }
}

/** `child` is `parent` or below it. */
export function isInside(child: string, parent: string): boolean {
  if (parent === "/") return child.startsWith("/");
  return child === parent || child.startsWith(`${parent}/`);
}

/** The `file:` URI of an absolute path. */
export function toUri(path: string): string {
  return pathToFileURL(path).href;
}

/** The path of a `file:` URI, or `undefined` for other schemes or malformed URIs. */
export function fromUri(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** How a path is shown to the model: relative to `cwd` when inside it, else absolute. */
export function displayPath(path: string, cwd: string): string {
  if (path === cwd) return ".";
  return isInside(path, cwd) ? relative(cwd, path) : path;
}

const LANGUAGE_IDS: Record<string, string> = {
  ".ts": "typescript",
  ".mts": "typescript",
  ".cts": "typescript",
  ".tsx": "typescriptreact",
  ".js": "javascript",
  ".mjs": "javascript",
  ".cjs": "javascript",
  ".jsx": "javascriptreact",
  ".py": "python",
  ".pyi": "python",
  ".go": "go",
  ".rs": "rust",
  ".c": "c",
  ".h": "c",
  ".cc": "cpp",
  ".cpp": "cpp",
  ".cxx": "cpp",
  ".hh": "cpp",
  ".hpp": "cpp",
  ".hxx": "cpp",
};

/** The LSP language id of a file (its extension without the dot when unknown). */
export function languageId(path: string): string {
  const ext = extname(path).toLowerCase();
  return LANGUAGE_IDS[ext] ?? (ext.slice(1) || basename(path));
}
