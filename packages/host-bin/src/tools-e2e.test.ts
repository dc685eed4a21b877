/**
 * End-to-end: one agent turn per bundled tool through the real daemon (`spawnDaemon`: the entry
 * point in a child process, real SQLite, real HTTP, bearer auth), driven by the scripted model
 * through `POST /chat`, asserting the persisted `tool-call` and `tool-result` chunks. Only the
 * outer edges are faked: the model, Firecrawl and the transcriber, each a local server on loopback.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ScriptedModel, startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonProcess, readNdjson, spawnDaemon } from "./spawn-daemon.ts";

const FIRECRAWL_KEY = "fc-e2e-key";

interface StoredChunk {
  seq: number;
  role: string;
  chunk: {
    type: string;
    toolName?: string;
    toolCallId?: string;
    input?: unknown;
    content?: string;
    isError?: boolean;
  };
}

let base: string;
let work: string;
let model: ScriptedModel;
let daemon: DaemonProcess;
const fakes: ReturnType<typeof Bun.serve>[] = [];

/** Fake Firecrawl (`/v2/search`, checks the key) and a transcriber that always answers "queued". */
function startFakes(): { firecrawl: string; transcriber: string } {
  const firecrawl = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const body = (await req.json().catch(() => ({}))) as { query?: string };
      if (
        new URL(req.url).pathname !== "/v2/search" ||
        req.headers.get("authorization") !== `Bearer ${FIRECRAWL_KEY}`
      ) {
        return Response.json({ success: false, error: "unexpected request" }, { status: 400 });
      }
      return Response.json({
        success: true,
        data: {
          web: [{ url: "https://bun.sh", title: `Result for ${body.query}`, description: "Fast runtime" }],
        },
      });
    },
  });
  const transcriber = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () =>
      Response.json({ status: "queued", video_id: "dQw4w9WgXcQ", position: 2, estimated_seconds: 60 }),
  });
  fakes.push(firecrawl, transcriber);
  return {
    firecrawl: `http://127.0.0.1:${firecrawl.port}`,
    transcriber: `http://127.0.0.1:${transcriber.port}`,
  };
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "dispatch-tools-e2e-"));
  work = join(base, "work");
  const dataDir = join(base, "data");
  const home = join(base, "home");
  await mkdir(join(work, ".agents/skills/greet"), { recursive: true });
  await mkdir(dataDir);
  await mkdir(home);
  await writeFile(join(work, "notes.txt"), "alpha\nbeta\n");
  await writeFile(
    join(work, ".agents/skills/greet/SKILL.md"),
    "---\ndescription: Greet people.\n---\nSay hello warmly.\n",
  );
  const { firecrawl, transcriber } = startFakes();
  model = await startScriptedModel();
  daemon = await spawnDaemon({
    dataDir,
    cwd: work,
    env: {
      HOME: home,
      DISPATCH_BASE_URL: model.baseURL,
      DISPATCH_MODEL: "scripted-model",
      DISPATCH_DEFAULT_CWD: work,
      FIRECRAWL_API_URL: firecrawl,
      FIRECRAWL_API_KEY: FIRECRAWL_KEY,
      DISPATCH_TRANSCRIBER_URL: transcriber,
    },
  });
});

afterAll(async () => {
  await daemon?.stop();
  await model?.close();
  for (const fake of fakes) fake.stop(true);
  await rm(base, { recursive: true, force: true });
});

/** Runs one turn through `POST /chat` and returns the conversation's persisted chunks. */
async function turn(conversationId: string, calls: [string, object][]): Promise<StoredChunk[]> {
  model.enqueue(...calls.map(([name, args]) => toolCallReply(name, args)), textReply("Done."));
  const res = await daemon.fetch("/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ conversationId, message: `use ${calls.map(([n]) => n).join(", ")}`, cwd: work }),
  });
  expect(res.status).toBe(200);
  const events: { type: string }[] = [];
  for await (const event of readNdjson<{ type: string }>(res)) events.push(event);
  expect(events.at(-1)?.type).toBe("turn-sealed");
  const history = await daemon.fetch(`/conversations/${conversationId}`);
  expect(history.status).toBe(200);
  return ((await history.json()) as { chunks: StoredChunk[] }).chunks;
}

/** The persisted tool-call and tool-result pairs, checked to match by id. */
function toolPairs(
  chunks: StoredChunk[],
): { name: string; input: unknown; content: string; isError: boolean }[] {
  const calls = chunks.filter((c) => c.role === "assistant" && c.chunk.type === "tool-call");
  const results = chunks.filter((c) => c.role === "tool" && c.chunk.type === "tool-result");
  expect(results.length).toBe(calls.length);
  return calls.map((call, i) => {
    const result = results[i]?.chunk;
    expect(result?.toolCallId).toBe(call.chunk.toolCallId);
    expect(result?.toolName).toBe(call.chunk.toolName);
    return {
      name: call.chunk.toolName ?? "",
      input: call.chunk.input,
      content: result?.content ?? "",
      isError: result?.isError ?? false,
    };
  });
}

describe("every bundled tool in an agent turn through POST /chat", () => {
  it("read_file", async () => {
    const pairs = toolPairs(await turn("e2e-read", [["read_file", { path: "notes.txt" }]]));
    expect(pairs).toEqual([
      { name: "read_file", input: { path: "notes.txt" }, content: "1: alpha\n2: beta", isError: false },
    ]);
  });

  it("read_file refuses the daemon's data directory (its token file exists)", async () => {
    const [pair] = toolPairs(await turn("e2e-denied", [["read_file", { path: "../data/token" }]]));
    expect(pair?.isError).toBe(true);
    expect(pair?.content).toContain("Refused");
    expect(pair?.content).not.toContain(daemon.token ?? "no token");
  });

  it("write_file, then edit_file after reading", async () => {
    const pairs = toolPairs(
      await turn("e2e-write-edit", [
        ["write_file", { path: "src/new.ts", content: "export const x = 1;\n" }],
        ["read_file", { path: "src/new.ts" }],
        ["edit_file", { path: "src/new.ts", oldString: "x = 1", newString: "x = 2" }],
      ]),
    );
    expect(pairs.map((p) => [p.name, p.content, p.isError])).toEqual([
      ["write_file", "Created src/new.ts (20 bytes, 1 line).", false],
      ["read_file", "1: export const x = 1;", false],
      ["edit_file", "Edited src/new.ts: replaced 1 occurrence.", false],
    ]);
    expect(await readFile(join(work, "src/new.ts"), "utf8")).toBe("export const x = 2;\n");
  });

  it("run_shell, without the daemon's secrets", async () => {
    const [pair] = toolPairs(await turn("e2e-shell", [["run_shell", { command: "echo hi; env" }]]));
    expect(pair?.content.startsWith("hi\n")).toBe(true);
    expect(pair?.content).toContain("Exit code: 0");
    expect(pair?.content).not.toContain(FIRECRAWL_KEY);
    expect(pair?.content).not.toContain("DISPATCH_");
  });

  it("web_search, against the operator's (loopback) Firecrawl endpoint", async () => {
    const [pair] = toolPairs(await turn("e2e-web", [["web_search", { query: "bun" }]]));
    expect(pair?.content).toBe(
      'Search results for "bun" (1):\n\n1. Result for bun\n   https://bun.sh\n   Fast runtime',
    );
  });

  it("youtube_transcript", async () => {
    const [pair] = toolPairs(
      await turn("e2e-youtube", [["youtube_transcript", { url: "https://youtu.be/dQw4w9WgXcQ" }]]),
    );
    expect(pair?.content).toContain("is not ready yet (status: queued, queue position 2)");
  });

  it("todo_write", async () => {
    const [pair] = toolPairs(
      await turn("e2e-todo", [["todo_write", { todos: [{ content: "Ship it", status: "in_progress" }] }]]),
    );
    expect(pair?.content).toBe("Task list updated: 0 of 1 completed, 1 in progress.\n[>] Ship it");
  });

  it("load_skill, listed in the tool description for the turn's cwd", async () => {
    const [pair] = toolPairs(await turn("e2e-skill", [["load_skill", { name: "greet" }]]));
    expect(pair?.content).toBe('Skill "greet" (.agents/skills/greet/SKILL.md):\n\nSay hello warmly.');
    const request = model.requests.at(-2)?.body as {
      tools?: { function: { name: string; description: string } }[];
    };
    const described = request.tools?.find((t) => t.function.name === "load_skill");
    expect(described?.function.description).toContain("- greet: Greet people.");
  });
});
