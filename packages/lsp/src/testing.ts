/**
 * Test helpers (import from `@dispatch/lsp/testing`): a scriptable fake language server (a real
 * process speaking LSP through vscode-jsonrpc, with modes that hang, crash or misbehave), a small
 * TypeScript fixture project with the real typescript-language-server on PATH, and process checks.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * How the fake server behaves:
 * - `ok`: pushes diagnostics for lines containing `ERROR:` / `WARN:`, answers hover, registers a
 *   `**\/*.fake` file watcher and logs the watched-file events it gets;
 * - `pull`: like `ok` but offers pull diagnostics (and pushes only `WARN:` lines);
 * - `silent`: never answers anything (not even `initialize`);
 * - `exit`: writes to stderr and exits with code 3 at once;
 * - `die`: answers `initialize`, then exits with code 1 at its first hover request;
 * - `hang`: answers `initialize` and document sync, never answers other requests.
 */
export type FakeServerMode = "ok" | "pull" | "silent" | "exit" | "die" | "hang";

/** One line of a fake server's log. */
export type FakeServerEvent =
  | { event: "started"; pid: number }
  | { event: "initialize"; initializationOptions?: unknown; rootUri?: string }
  | { event: "watched"; changes: { uri: string; type: number }[] }
  | { event: "opened" | "changed"; uri: string; version: number }
  | { event: "closed"; uri: string }
  | { event: "shutdown" };

function fakeServerSource(jsonrpcPath: string): string {
  return `
const { createMessageConnection, StreamMessageReader, StreamMessageWriter } = require(${JSON.stringify(jsonrpcPath)});
const fs = require("node:fs");
const [mode, logFile] = process.argv.slice(2);
const note = (event) => fs.appendFileSync(logFile, JSON.stringify(event) + "\\n");
note({ event: "started", pid: process.pid });
if (mode === "exit") {
  process.stderr.write("fake server: cannot start\\n");
  process.exit(3);
}
if (mode === "silent") {
  process.stdin.resume();
  setInterval(() => {}, 1 << 30);
} else {
  const conn = createMessageConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
  const texts = new Map();
  let rootUri = "";
  const diagnose = (text, kinds) => {
    const out = [];
    text.split("\\n").forEach((line, i) => {
      for (const [tag, severity] of [["ERROR:", 1], ["WARN:", 2]]) {
        const at = line.indexOf(tag);
        if (at >= 0 && kinds.includes(tag)) {
          const message = line.slice(at + tag.length).trim();
          out.push({ range: { start: { line: i, character: at }, end: { line: i, character: line.length } }, severity, message, source: "fake" });
        }
      }
    });
    return out;
  };
  const pushKinds = mode === "pull" ? ["WARN:"] : ["ERROR:", "WARN:"];
  const publish = (uri) => {
    if (mode === "hang") return;
    conn.sendNotification("textDocument/publishDiagnostics", { uri, diagnostics: diagnose(texts.get(uri) || "", pushKinds) });
  };
  conn.onRequest("initialize", (params) => {
    rootUri = params.rootUri;
    note({ event: "initialize", initializationOptions: params.initializationOptions, rootUri });
    const capabilities = { textDocumentSync: 1, hoverProvider: true, definitionProvider: true };
    if (mode === "pull") capabilities.diagnosticProvider = { interFileDependencies: false, workspaceDiagnostics: false };
    return { capabilities, serverInfo: { name: "fake" } };
  });
  conn.onNotification("initialized", () => {
    if (mode !== "ok") return;
    conn.sendRequest("client/registerCapability", { registrations: [{ id: "watch-1", method: "workspace/didChangeWatchedFiles",
      registerOptions: { watchers: [{ globPattern: { baseUri: rootUri, pattern: "**/*.fake" } }] } }] })
      .catch(() => {});
  });
  conn.onNotification("textDocument/didOpen", ({ textDocument }) => {
    note({ event: "opened", uri: textDocument.uri, version: textDocument.version });
    texts.set(textDocument.uri, textDocument.text);
    publish(textDocument.uri);
  });
  conn.onNotification("textDocument/didChange", ({ textDocument, contentChanges }) => {
    note({ event: "changed", uri: textDocument.uri, version: textDocument.version });
    texts.set(textDocument.uri, contentChanges[contentChanges.length - 1].text);
    publish(textDocument.uri);
  });
  conn.onNotification("textDocument/didClose", ({ textDocument }) => {
    note({ event: "closed", uri: textDocument.uri });
    texts.delete(textDocument.uri);
  });
  conn.onNotification("workspace/didChangeWatchedFiles", ({ changes }) => note({ event: "watched", changes }));
  conn.onRequest("textDocument/diagnostic", ({ textDocument }) => ({ kind: "full", items: diagnose(texts.get(textDocument.uri) || "", ["ERROR:", "WARN:"]) }));
  conn.onRequest("textDocument/hover", () => {
    if (mode === "die") process.exit(1);
    if (mode === "hang") return new Promise(() => {});
    return { contents: { kind: "markdown", value: "fake hover text" } };
  });
  conn.onRequest("textDocument/definition", ({ textDocument }) => ({ uri: textDocument.uri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } }));
  conn.onRequest("shutdown", () => { note({ event: "shutdown" }); return null; });
  conn.onNotification("exit", () => process.exit(0));
  conn.listen();
}
`;
}

/** Writes the fake server script into `dir`; returns its path. */
export function writeFakeServer(dir: string): string {
  const path = join(dir, "fake-lsp-server.cjs");
  const jsonrpc = fileURLToPath(import.meta.resolve("vscode-jsonrpc/node"));
  writeFileSync(path, fakeServerSource(jsonrpc));
  return path;
}

/** The command running the fake server in `mode`, logging to `logFile`. */
export function fakeServerCommand(script: string, mode: FakeServerMode, logFile: string): string[] {
  appendFileSync(logFile, "");
  return [process.execPath, script, mode, logFile];
}

/** The events a fake server logged so far. */
export function readFakeLog(logFile: string): FakeServerEvent[] {
  return readFileSync(logFile, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as FakeServerEvent);
}

/** Pids the fake server logged at start. */
export function loggedPids(logFile: string): number[] {
  return readFakeLog(logFile).flatMap((entry) => (entry.event === "started" ? [entry.pid] : []));
}

/** `running`, `zombie` (exited, not yet reaped) or `gone`. */
export function processState(pid: number): "running" | "zombie" | "gone" {
  try {
    process.kill(pid, 0);
  } catch {
    return "gone";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z") ? "zombie" : "running";
  } catch {
    return "gone";
  }
}

/** Live (non-zombie) processes whose process group is `pgid` (a server and what it spawned). */
export function liveGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") members.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

/** The real typescript-language-server on PATH (a bin dir under `dir`) and TypeScript 6's tsserver. */
export interface TypeScriptServerSetup {
  /** A server environment whose PATH finds `typescript-language-server`. */
  env: Record<string, string>;
  /** TypeScript 6's `lib/tsserver.js` (the repository's TypeScript 7 has none). */
  typescriptServerPath: string;
}

/** Puts the devDependency typescript-language-server on a PATH under `dir`. */
export function typescriptServerSetup(
  dir: string,
  basePath = "/usr/local/bin:/usr/bin:/bin",
): TypeScriptServerSetup {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const cli = join(
    dirname(fileURLToPath(import.meta.resolve("typescript-language-server/package.json"))),
    "lib",
    "cli.mjs",
  );
  symlinkSync(cli, join(bin, "typescript-language-server"));
  return {
    env: { PATH: `${bin}:${basePath}`, HOME: dir },
    typescriptServerPath: fileURLToPath(import.meta.resolve("typescript6/lib/tsserver.js")),
  };
}

/** A three-file TypeScript project: `tsconfig.json`, `b.ts` exporting `b`, `a.ts` using it. */
export function writeTypeScriptFixture(dir: string): void {
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "bundler",
        noEmit: true,
      },
    }),
  );
  writeFileSync(join(dir, "b.ts"), "export const b = 1;\n");
  writeFileSync(join(dir, "a.ts"), 'import { b } from "./b";\n\nexport const a: number = b + 1;\n');
}
