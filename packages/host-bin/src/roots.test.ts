/**
 * End-to-end: per-workspace extra roots for the file tools, through the real daemon (`spawnDaemon`:
 * child process, real SQLite, real HTTP, bearer auth) and the scripted model. A file outside the
 * cwd is refused until the conversation's workspace lists its directory; a workspace listing the
 * daemon's data dir still cannot read the token; the routes validate what they store.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ScriptedModel, startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonProcess, readNdjson, spawnDaemon } from "./spawn-daemon.ts";

interface ToolResultChunk {
  role: string;
  chunk: { type: string; content?: string; isError?: boolean };
}

let base: string;
let dataDir: string;
let shared: string;
let model: ScriptedModel;
let daemon: DaemonProcess;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "dispatch-roots-e2e-"));
  const work = join(base, "work");
  dataDir = join(base, "data");
  shared = join(base, "shared");
  await mkdir(work);
  await mkdir(dataDir);
  await mkdir(shared);
  await writeFile(join(shared, "notes.txt"), "shared notes\n");
  model = await startScriptedModel();
  daemon = await spawnDaemon({
    dataDir,
    cwd: work,
    env: {
      HOME: base,
      DISPATCH_BASE_URL: model.baseURL,
      DISPATCH_MODEL: "scripted-model",
      DISPATCH_DEFAULT_CWD: work,
    },
  });
});

afterAll(async () => {
  await daemon?.stop();
  await model?.close();
  await rm(base, { recursive: true, force: true });
});

/** Sends a JSON request and returns the status and parsed body. */
async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await daemon.fetch(path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** One turn in which the model calls `read_file` on `path`; returns the persisted tool result. */
async function readTurn(
  conversationId: string,
  path: string,
  workspaceId?: string,
): Promise<{ content: string; isError: boolean }> {
  model.enqueue(toolCallReply("read_file", { path }), textReply("Done."));
  const res = await daemon.fetch("/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      conversationId,
      message: `read ${path}`,
      ...(workspaceId ? { workspaceId } : {}),
    }),
  });
  expect(res.status).toBe(200);
  const events: { type: string }[] = [];
  for await (const event of readNdjson<{ type: string }>(res)) events.push(event);
  expect(events.at(-1)?.type).toBe("turn-sealed");
  const history = (await (await daemon.fetch(`/conversations/${conversationId}`)).json()) as {
    chunks: ToolResultChunk[];
  };
  const results = history.chunks.filter((c) => c.role === "tool" && c.chunk.type === "tool-result");
  expect(results).toHaveLength(1);
  const result = results[0]?.chunk;
  return { content: result?.content ?? "", isError: result?.isError ?? false };
}

describe("workspace extra roots for the file tools", () => {
  it("read_file refuses a file outside the cwd, then reads it once the workspace lists its directory", async () => {
    const file = join(shared, "notes.txt");
    const before = await readTurn("roots-before", file);
    expect(before.isError).toBe(true);
    expect(before.content).toContain("resolves outside the working directory");

    expect((await call("PUT", "/workspaces/w1/extra-roots", { extraRoots: [shared] })).status).toBe(404);
    expect((await call("PUT", "/workspaces/w1", { title: "W1" })).status).toBe(200);
    expect(await call("PUT", "/workspaces/w1/extra-roots", { extraRoots: [shared] })).toEqual({
      status: 200,
      body: expect.objectContaining({ id: "w1", title: "W1", extraRoots: [shared] }),
    });
    expect((await call("GET", "/workspaces/w1")).body).toMatchObject({ extraRoots: [shared] });

    expect(await readTurn("roots-w1", file, "w1")).toEqual({ content: "1: shared notes", isError: false });
    // The roots belong to w1: a conversation in the default workspace is still refused.
    expect((await readTurn("roots-default", file)).isError).toBe(true);
  });

  it("a workspace listing the daemon's data dir still cannot read the token", async () => {
    const token = daemon.token;
    expect(token).toBeDefined();
    const put = await call("PUT", "/workspaces/w2", { extraRoots: [dataDir, base] });
    expect(put).toEqual({ status: 200, body: expect.objectContaining({ extraRoots: [dataDir, base] }) });
    const result = await readTurn("roots-token", join(dataDir, "token"), "w2");
    expect(result.isError).toBe(true);
    expect(result.content).toContain("protected directory");
    expect(result.content).not.toContain(token ?? "no token");
  });

  it("PUT /workspaces/:id and /extra-roots accept only up to 20 non-empty absolute paths", async () => {
    const tooMany = Array.from({ length: 21 }, (_, index) => `/srv/r${index}`);
    for (const extraRoots of [["relative/dir"], [""], tooMany, "/srv/a", [5]]) {
      const upsert = await call("PUT", "/workspaces/w3", { extraRoots });
      expect(upsert.status).toBe(400);
      expect(upsert.body).toEqual({ error: expect.stringContaining("extraRoots") });
      expect((await call("PUT", "/workspaces/w1/extra-roots", { extraRoots })).status).toBe(400);
    }
    expect((await call("PUT", "/workspaces/w1/extra-roots", {})).status).toBe(400);
    expect((await call("GET", "/workspaces/w3")).status).toBe(404);
    expect((await call("GET", "/workspaces/w1")).body).toMatchObject({ extraRoots: [shared] });
    const cleared = await call("PUT", "/workspaces/w1/extra-roots", { extraRoots: [] });
    expect(cleared.status).toBe(200);
    expect(cleared.body).not.toHaveProperty("extraRoots");
  });
});
