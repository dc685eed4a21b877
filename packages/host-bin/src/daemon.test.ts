/**
 * End-to-end tests of the daemon as users run it: the real entry point in a child process, real
 * SQLite in a temp data dir, real HTTP, and a scripted OpenAI-compatible model on loopback.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ScriptedModel, startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import type { AgentEvent, ConversationHistoryResponse, StoredChunk } from "@dispatch/transport-contract";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type DaemonProcess, readNdjson, spawnDaemon, TEST_TOOLS_EXTENSION } from "./spawn-daemon.ts";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "dispatch-e2e-"));
}

async function collect(response: Response): Promise<AgentEvent[]> {
  const events: AgentEvent[] = [];
  for await (const event of readNdjson<AgentEvent>(response)) events.push(event);
  return events;
}

function chat(daemon: DaemonProcess, body: unknown): Promise<Response> {
  return daemon.fetch("/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** The local address of every listening TCP socket on `port` (from /proc/net/tcp*). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const found: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (local?.endsWith(`:${hexPort}`) && fields[3] === "0A") found.push(local.slice(0, -5));
    }
  }
  return found;
}

describe("a daemon with no configuration", () => {
  let dataDir: string;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    dataDir = tempDir();
    daemon = await spawnDaemon({ dataDir });
  });
  afterAll(async () => {
    await daemon.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers /health without a token and listens on loopback only", async () => {
    const res = await fetch(`${daemon.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    const port = Number(new URL(daemon.url).port);
    expect(listeningAddresses(port)).toEqual(["0100007F"]);
  });

  it("generates its token with mode 0600 in the data dir", async () => {
    const mode = (await Bun.file(join(dataDir, "token")).stat()).mode & 0o777;
    expect(mode).toBe(0o600);
    expect(daemon.token?.length).toBeGreaterThan(30);
  });

  it("refuses a chat with a message naming the variables to set", async () => {
    const res = await chat(daemon, { message: "hello" });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: string };
    expect(body.error).toContain("DISPATCH_BASE_URL");
    expect(body.error).toContain("DISPATCH_API_KEY");
  });
});

describe("a daemon with a scripted model", () => {
  let model: ScriptedModel;
  let dataDir: string;
  let daemon: DaemonProcess;
  const env = () => ({
    DISPATCH_BASE_URL: model.baseURL,
    DISPATCH_MODEL: "scripted-model",
    DISPATCH_EXTERNAL_EXTENSIONS: TEST_TOOLS_EXTENSION,
  });

  beforeAll(async () => {
    model = await startScriptedModel();
    dataDir = tempDir();
    daemon = await spawnDaemon({ dataDir, env: env() });
  });
  afterAll(async () => {
    await daemon.stop();
    await model.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(() => model.respondWith(() => undefined));

  it("streams a tool-using turn as NDJSON in the reference order and persists it", async () => {
    model.enqueue(toolCallReply("echo", { text: "hi" }), textReply("The echo said hi."));
    const res = await chat(daemon, { conversationId: "conv-tools", message: "Use the echo tool" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    expect(res.headers.get("x-conversation-id")).toBe("conv-tools");
    const events = await collect(res);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("user-message");
    expect(types[1]).toBe("turn-start");
    expect(types.slice(-2)).toEqual(["done", "turn-sealed"]);
    const order = ["tool-call", "usage", "step-complete", "tool-result", "text-delta", "done", "turn-sealed"];
    const positions = order.map((t) => types.indexOf(t as AgentEvent["type"]));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const result = events.find((e) => e.type === "tool-result");
    expect(result).toMatchObject({ toolName: "echo", content: "echo: hi", isError: false });
    const turnIds = new Set(events.map((e) => ("turnId" in e ? e.turnId : "")));
    expect(turnIds.size).toBe(1);

    // The model's second request carried the tool result in OpenAI's shape.
    const second = model.requests.at(-1)?.body as { messages: { role: string; tool_call_id?: string }[] };
    expect(second.messages.some((m) => m.role === "tool" && typeof m.tool_call_id === "string")).toBe(true);

    const history = (await (
      await daemon.fetch("/conversations/conv-tools")
    ).json()) as ConversationHistoryResponse;
    expect(history.chunks.map((c) => c.seq)).toEqual(history.chunks.map((_, i) => i + 1));
    expect(history.latestSeq).toBe(history.chunks.length);
    const kinds = history.chunks.map((c) => `${c.role}:${c.chunk.type}`);
    expect(kinds).toEqual(["user:text", "assistant:tool-call", "tool:tool-result", "assistant:text"]);
    const call = history.chunks[1]?.chunk;
    const stored = history.chunks[2]?.chunk;
    expect(
      call?.type === "tool-call" && stored?.type === "tool-result" && call.toolCallId === stored.toolCallId,
    ).toBe(true);
  });

  it("windows history by sinceSeq, beforeSeq and limit, and refuses bad values", async () => {
    const get = async (query: string) => {
      const res = await daemon.fetch(`/conversations/conv-tools${query}`);
      return {
        status: res.status,
        body: (await res.json()) as ConversationHistoryResponse & { error?: string },
      };
    };
    const seqs = (chunks: StoredChunk[]) => chunks.map((c) => c.seq);
    expect(seqs((await get("?sinceSeq=2")).body.chunks)).toEqual([3, 4]);
    expect(seqs((await get("?limit=2")).body.chunks)).toEqual([3, 4]);
    expect(seqs((await get("?sinceSeq=0&beforeSeq=4&limit=2")).body.chunks)).toEqual([2, 3]);
    const empty = await get("?sinceSeq=4");
    expect(empty.body).toEqual({ chunks: [], latestSeq: 4 });
    for (const bad of [
      "?limit=0",
      "?limit=-1",
      "?limit=1.5",
      "?beforeSeq=0",
      "?sinceSeq=-1",
      "?sinceSeq=abc",
    ]) {
      const res = await get(bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/sinceSeq|beforeSeq|limit/);
    }
  });

  it("streams events while the model is still generating, and stop ends the turn as aborted", async () => {
    model.enqueue(textReply(["one ", "two ", "three ", "four "], { stallAfter: 2 }));
    const res = await chat(daemon, { conversationId: "conv-live", message: "count" });
    const seen: AgentEvent[] = [];
    for await (const event of readNdjson<AgentEvent>(res)) {
      seen.push(event);
      // The model has stalled after two chunks: these events can only come from a live stream.
      if (event.type === "text-delta" && event.delta === "two ") {
        const stop = await daemon.fetch("/conversations/conv-live/stop", { method: "POST" });
        expect(await stop.json()).toEqual({ conversationId: "conv-live", abortedTurn: true });
      }
    }
    const types = seen.map((e) => e.type);
    expect(types.slice(-2)).toEqual(["done", "turn-sealed"]);
    expect(seen.find((e) => e.type === "done")).toMatchObject({ reason: "aborted" });
    const last = (await (await daemon.fetch("/conversations/conv-live/last")).json()) as { content: string };
    expect(last.content).toBe("one two ");
  });

  it("answers a second chat on a running conversation with the reference's error event", async () => {
    model.enqueue(toolCallReply("wait", {}));
    const first = await chat(daemon, { conversationId: "conv-busy", message: "wait" });
    const events = readNdjson<AgentEvent>(first);
    for (let next = await events.next(); !next.done; next = await events.next()) {
      if (next.value.type === "tool-call") break;
    }
    const second = await collect(await chat(daemon, { conversationId: "conv-busy", message: "again" }));
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ type: "error", message: "turn already active for this conversation" });
    const status = await (await daemon.fetch("/conversations/conv-busy/status")).json();
    expect(status).toEqual({ conversationId: "conv-busy", isActive: true, status: "active" });
    await daemon.fetch("/conversations/conv-busy/stop", { method: "POST" });
    const rest: AgentEvent[] = [];
    for (let next = await events.next(); !next.done; next = await events.next()) rest.push(next.value);
    expect(rest.at(-1)?.type).toBe("turn-sealed");
  });

  it("keeps running a turn whose client disconnected", async () => {
    model.enqueue(textReply(["a ", "b ", "c ", "d"], { tokenDelayMs: 20 }));
    const res = await chat(daemon, { conversationId: "conv-detached", message: "go" });
    const reader = res.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    const last = (await (await daemon.fetch("/conversations/conv-detached/last")).json()) as {
      content: string;
    };
    expect(last.content).toBe("a b c d");
  });

  it("reports its own status: ports, provider, model, collector", async () => {
    expect((await fetch(`${daemon.url}/status`)).status).toBe(401);
    const status = (await (await daemon.fetch("/status")).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      version: expect.any(String),
      pid: daemon.proc.pid,
      dataDir,
      httpUrl: daemon.url,
      surfaceWsUrl: daemon.wsUrl,
      credentials: [{ name: "opencode", providerId: "openai-compat", baseURL: model.baseURL }],
      defaultModel: "opencode/scripted-model",
      activeTurns: 0,
    });
    // The collector is started shortly after the daemon listens (`deferred-collector.ts`).
    let collector = status.collector;
    for (let i = 0; i < 100 && collector === "stopped"; i++) {
      await Bun.sleep(20);
      collector = ((await (await daemon.fetch("/status")).json()) as { collector: string }).collector;
    }
    expect(["running", "restarting"]).toContain(collector);
  });

  it("lists conversations with filters and metadata", async () => {
    const res = await daemon.fetch("/conversations?status=idle");
    const body = (await res.json()) as {
      conversations: { id: string; title: string; workspaceId: string }[];
    };
    const tools = body.conversations.find((c) => c.id === "conv-tools");
    expect(tools).toMatchObject({ title: "Use the echo tool", workspaceId: "default" });
    expect((await daemon.fetch("/conversations?status=bogus")).status).toBe(400);
    const prefixed = (await (await daemon.fetch("/conversations?q=conv-t")).json()) as {
      conversations: { id: string }[];
    };
    expect(prefixed.conversations.map((c) => c.id)).toEqual(["conv-tools"]);
  });

  it("refuses bad chat bodies with a message that says what to fix", async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /message/],
      [{ message: "   " }, /message/],
      [{ message: "x", reasoningEffort: "extreme" }, /reasoningEffort/],
      [{ message: "x", conversationId: "../etc" }, /conversationId/],
    ];
    for (const [body, pattern] of cases) {
      const res = await chat(daemon, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(pattern);
    }
    const notJson = await daemon.fetch("/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(notJson.status).toBe(400);
  });

  it("refuses cross-origin, rebinding and tokenless requests without starting a turn", async () => {
    const before = model.requests.length;
    const formPost = await fetch(`${daemon.url}/chat`, {
      method: "POST",
      headers: {
        "content-type": "text/plain",
        origin: "https://evil.example",
        authorization: `Bearer ${daemon.token}`,
      },
      body: JSON.stringify({ conversationId: "conv-evil-1", message: "rm -rf" }),
    });
    expect(formPost.status).toBe(403);
    expect(formPost.headers.get("access-control-allow-origin")).toBeNull();
    const sameSiteTextPlain = await daemon.fetch("/chat", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ conversationId: "conv-evil-2", message: "rm -rf" }),
    });
    expect(sameSiteTextPlain.status).toBe(415);
    const rebinding = await daemon.fetch("/chat", {
      method: "POST",
      headers: { "content-type": "application/json", host: "evil.example" },
      body: JSON.stringify({ conversationId: "conv-evil-3", message: "rm -rf" }),
    });
    expect(rebinding.status).toBe(403);
    const noToken = await fetch(`${daemon.url}/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ conversationId: "conv-evil-4", message: "rm -rf" }),
    });
    expect(noToken.status).toBe(401);
    expect(((await noToken.json()) as { error: string }).error).toContain("Authorization: Bearer");
    const wrongToken = await fetch(`${daemon.url}/conversations`, {
      headers: { authorization: "Bearer nope" },
    });
    expect(wrongToken.status).toBe(401);

    const list = (await (await daemon.fetch("/conversations")).json()) as { conversations: { id: string }[] };
    expect(list.conversations.some((c) => c.id.startsWith("conv-evil"))).toBe(false);
    expect(model.requests.length).toBe(before);
  });

  it("keeps conversations and their metadata across a restart", async () => {
    const before = await (await daemon.fetch("/conversations")).json();
    const history = await (await daemon.fetch("/conversations/conv-tools")).json();
    expect(await daemon.stop()).toBe(0);
    daemon = await spawnDaemon({ dataDir, env: env() });
    expect(await (await daemon.fetch("/conversations")).json()).toEqual(before);
    expect(await (await daemon.fetch("/conversations/conv-tools")).json()).toEqual(history);
    const next = await collect(await chat(daemon, { conversationId: "conv-tools", message: "and again" }));
    expect(next.at(-1)?.type).toBe("turn-sealed");
  });
});
