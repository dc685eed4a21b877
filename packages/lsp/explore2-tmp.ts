import { spawn } from "node:child_process";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import { pathToFileURL } from "node:url";
import { readFileSync, writeFileSync } from "node:fs";
const root = "/tmp/lspx/proj";
const cli = "/work/main/packages/lsp/node_modules/typescript-language-server/lib/cli.mjs";
const child = spawn("node", [cli, "--stdio"], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
const t0 = Date.now();
const useWatch = process.argv[2] === "watch";
conn.onRequest("client/registerCapability", (p: any) => null);
conn.onRequest((method: string, p: any) => null);
conn.onNotification("textDocument/publishDiagnostics", (p: any) => console.log(Date.now()-t0, "publish", p.uri.slice(-5), p.diagnostics.map((d: any) => d.message.slice(0, 40))));
conn.listen();
await conn.sendRequest("initialize", {
  processId: process.pid, rootUri: pathToFileURL(root).href, workspaceFolders: [{ uri: pathToFileURL(root).href, name: "proj" }],
  capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true } }, textDocument: { publishDiagnostics: {} } },
  initializationOptions: { tsserver: { path: "/work/main/packages/lsp/node_modules/typescript6/lib/tsserver.js", useClientFileWatcher: true } },
});
await conn.sendNotification("initialized", {});
const uri = pathToFileURL(root + "/a.ts").href;
await conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "typescript", version: 1, text: readFileSync(root + "/a.ts", "utf8") } });
await new Promise((r) => setTimeout(r, 2500));
console.log(Date.now()-t0, "creating c.ts, watch event:", useWatch);
writeFileSync(root + "/c.ts", "export const c = 2;\n");
if (useWatch) await conn.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: pathToFileURL(root + "/c.ts").href, type: 1 }] });
await new Promise((r) => setTimeout(r, 2000));
console.log(Date.now()-t0, "didChange (same text)");
await conn.sendNotification("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ text: readFileSync(root + "/a.ts", "utf8") }] });
await new Promise((r) => setTimeout(r, 2000));
console.log(Date.now()-t0, "done");
child.kill(); process.exit(0);
