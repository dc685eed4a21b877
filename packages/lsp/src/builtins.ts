/**
 * The built-in language servers, used for a cwd only when their binary is on the servers' PATH.
 * The TypeScript server needs a `tsserver.js` (typescript-language-server cannot use TypeScript 7,
 * which has none): the workspace's own `node_modules/typescript` is preferred, else a configured path.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** A server the package knows without configuration. */
export interface BuiltinServer {
  id: string;
  name: string;
  /** Looked up on PATH; the server is offered only when found. */
  binary: string;
  args: string[];
  extensions: string[];
  rootMarkers: string[];
  /** `initializationOptions` for a workspace root. */
  initialization?(root: string, context: BuiltinContext): unknown;
}

/** What a built-in's initialization may depend on. */
export interface BuiltinContext {
  /** Fallback `tsserver.js` when the workspace has no TypeScript with one. */
  typescriptServerPath?: string;
}

/** The built-in servers, in the order they are tried for a file. */
export const BUILTIN_SERVERS: readonly BuiltinServer[] = [
  {
    id: "typescript",
    name: "TypeScript",
    binary: "typescript-language-server",
    args: ["--stdio"],
    extensions: [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"],
    rootMarkers: ["tsconfig.json", "jsconfig.json", "package.json"],
    initialization: (root, context) => {
      const path = findTsserver(root) ?? context.typescriptServerPath;
      // useClientFileWatcher: tsserver asks us (client/registerCapability) to watch files.
      return { tsserver: { ...(path === undefined ? {} : { path }), useClientFileWatcher: true } };
    },
  },
  {
    id: "pyright",
    name: "Pyright",
    binary: "pyright-langserver",
    args: ["--stdio"],
    extensions: [".py", ".pyi"],
    rootMarkers: ["pyrightconfig.json", "pyproject.toml", "setup.py", "setup.cfg", "requirements.txt"],
  },
  {
    id: "gopls",
    name: "gopls",
    binary: "gopls",
    args: [],
    extensions: [".go"],
    rootMarkers: ["go.work", "go.mod"],
  },
  {
    id: "rust-analyzer",
    name: "rust-analyzer",
    binary: "rust-analyzer",
    args: [],
    extensions: [".rs"],
    rootMarkers: ["Cargo.toml"],
  },
  {
    id: "clangd",
    name: "clangd",
    binary: "clangd",
    args: [],
    extensions: [".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx"],
    rootMarkers: ["compile_commands.json", "compile_flags.txt", ".clangd", "CMakeLists.txt"],
  },
];

/** The nearest `node_modules/typescript/lib/tsserver.js` at or above `root` (TypeScript ≤ 6 ships one). */
export function findTsserver(root: string): string | undefined {
  let dir = root;
  for (;;) {
    const candidate = join(dir, "node_modules", "typescript", "lib", "tsserver.js");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
