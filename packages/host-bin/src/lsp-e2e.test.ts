/**
 * End-to-end for issue #8: the real daemon (`spawnDaemon`) with the bundled lsp extension and the
 * real typescript-language-server (TypeScript 6's tsserver) on a fixture project. Agent turns from
 * the scripted model: an `edit_file` that breaks a type gets the diagnostic, the fix reports it
 * fixed, the `lsp` tool finds definition and references; status route; no server outlives the daemon.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processState, typescriptServerSetup, writeTypeScriptFixture } from "@dispatch/lsp/testing";
import { type ScriptedModel, startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import type { LspStatusResponse } from "@dispatch/transport-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonProcess, readNdjson, spawnDaemon } from "./spawn-daemon.ts";

interface StoredChunk {
  role: string;
  chunk: { type: string; toolName?: string; toolCallId?: string; content?: string; isError?: boolean };
}

let base: string;
let project: string;
let model: ScriptedModel;
let daemon: DaemonProcess;

beforeAll(async () => {
  base = realpathSync(await mkdtemp(join(tmpdir(), "dispatch-lsp-e2e-")));
  project = join(base, "project");
  const dataDir = join(base, "data");
  const home = join(base, "home");
  await Promise.all([mkdir(project), mkdir(dataDir), mkdir(home)]);
  writeTypeScriptFixture(project);
  const setup = typescriptServerSetup(base);
  model = await startScriptedModel();
  daemon = await spawnDaemon({
    dataDir,
    cwd: dataDir,
    env: {
      PATH: setup.env.PATH ?? "",
      HOME: home,
      DISPATCH_BASE_URL: model.baseURL,
      DISPATCH_MODEL: "scripted-model",
      DISPATCH_DEFAULT_CWD: project,
      DISPATCH_LSP_TSSERVER: setup.typescriptServerPath,
    },
  });
});

afterAll(async () => {
  await daemon?.stop();
  await model?.close();
  await rm(base, { recursive: true, force: true });
});

/** Runs one turn of tool calls through `POST /chat`; returns the results of this turn's calls. */
async function turn(conversationId: string, calls: [string, object][]): Promise<StoredChunk["chunk"][]> {
  model.enqueue(...calls.map(([name, args]) => toolCallReply(name, args)), textReply("Done."));
  const res = await daemon.fetch("/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      conversationId,
      message: `use ${calls.map(([n]) => n).join(", ")}`,
      cwd: project,
    }),
  });
  expect(res.status).toBe(200);
  let last: { type: string } | undefined;
  for await (const event of readNdjson<{ type: string }>(res)) last = event;
  expect(last?.type).toBe("turn-sealed");
  const history = await daemon.fetch(`/conversations/${conversationId}`);
  expect(history.status).toBe(200);
  const { chunks } = (await history.json()) as { chunks: StoredChunk[] };
  const results = chunks
    .filter((c) => c.role === "tool" && c.chunk.type === "tool-result")
    .map((c) => c.chunk);
  const mine = results.slice(-calls.length);
  expect(mine.map((r) => r.toolName)).toEqual(calls.map(([name]) => name));
  return mine;
}

/** Live (non-zombie) processes other than the daemon whose cwd is inside the project. */
function serverProcesses(): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === daemon.proc.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (cwd !== project && !cwd.startsWith(`${project}/`)) continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ");
      if (processState(Number(name)) === "running") found.push({ pid: Number(name), cmdline });
    } catch {
      // Ended while we looked, or not ours to inspect.
    }
  }
  return found;
}

describe("the lsp extension in the real daemon with typescript-language-server", () => {
  it("reports an edit's type error, then its fix, then definition and references; no server survives", async () => {
    const id = "e2e-lsp";
    const [read, broken] = await turn(id, [
      ["read_file", { path: "a.ts" }],
      ["edit_file", { path: "a.ts", oldString: "a: number = b + 1", newString: "a: number = String(b)" }],
    ]);
    expect(read?.content).toContain("3: export const a: number = b + 1;");
    expect(broken?.isError).toBeFalsy();
    expect(broken?.content).toContain("Edited a.ts: replaced 1 occurrence.");
    expect(broken?.content).toContain("LSP TypeScript");
    expect(broken?.content).toContain(
      "3:14 error: Type 'string' is not assignable to type 'number'. (typescript 2322)",
    );

    const [fixed] = await turn(id, [
      ["edit_file", { path: "a.ts", oldString: "a: number = String(b)", newString: "a: number = b + 1" }],
    ]);
    expect(fixed?.isError).toBeFalsy();
    expect(fixed?.content).toContain("Fixed (1 error, 0 warnings):");
    expect(fixed?.content).toContain("Type 'string' is not assignable to type 'number'");
    expect(fixed?.content).toContain("No errors or warnings remain in a.ts.");

    const [definition, references] = await turn(id, [
      ["lsp", { operation: "definition", path: "a.ts", line: 3, character: 26 }],
      ["lsp", { operation: "references", path: "b.ts", line: 1, character: 14 }],
    ]);
    expect(definition?.content).toBe("Definition of a.ts:3:26 (`b`) (1):\nb.ts:1:14  export const b = 1;");
    expect(references?.content).toBe(
      [
        "References to b.ts:1:14 (`b`) (3):",
        'a.ts:1:10  import { b } from "./b";',
        "a.ts:3:26  export const a: number = b + 1;",
        "b.ts:1:14  export const b = 1;",
      ].join("\n"),
    );

    const put = await daemon.fetch(`/conversations/${id}/cwd`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ cwd: project }),
    });
    expect(put.status).toBe(200);
    const status = (await (await daemon.fetch(`/conversations/${id}/lsp`)).json()) as LspStatusResponse;
    expect(status.cwd).toBe(project);
    expect(status.servers).toContainEqual(
      expect.objectContaining({
        id: "typescript",
        root: project,
        state: "connected",
        configSource: "builtin",
      }),
    );

    const servers = serverProcesses();
    expect(servers.some((p) => p.cmdline.includes("typescript-language-server"))).toBe(true);
    expect(servers.some((p) => p.cmdline.includes("tsserver.js"))).toBe(true);
    expect(await daemon.stop()).toBe(0);
    expect(servers.filter((p) => processState(p.pid) === "running")).toEqual([]);
    expect(serverProcesses()).toEqual([]);
  }, 60_000);
});
