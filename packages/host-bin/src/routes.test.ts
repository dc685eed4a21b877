/**
 * Contract tests of every HTTP route, against the daemon booted in-process (real extensions, real
 * SQLite, real HTTP): for each route the happy path with the reference's response shape, and each
 * kind of bad input with its 4xx and a message that says what to fix. The route → test table is in
 * packages/transport-http/README.md.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type ScriptedModel, startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import type {
  AgentEvent,
  ConversationListResponse,
  ConversationMeta,
  TurnMetrics,
  WorkspaceEntry,
} from "@dispatch/transport-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Api,
  bootDaemon,
  type Gate,
  gate,
  type JsonReply,
  openChat,
  readUntil,
  removeDir,
  sentBody,
  sentMessages,
  type TestDaemon,
  tempDir,
  textOf,
  until,
} from "./e2e-harness.test.ts";

const MODEL = "opencode/scripted-model";
const CONTEXT_WINDOW = 200_000;
const PROBE = "reply with just a .";

let model: ScriptedModel;
let dataDir: string;
let d: TestDaemon;

/** Asserts a 4xx `{ error }` whose message matches `pattern`. */
function expectError(reply: JsonReply, status: number, pattern: RegExp): void {
  expect({ status: reply.status, error: reply.body.error }).toEqual({
    status,
    error: expect.stringMatching(pattern),
  });
}

/** Runs a turn that calls `echo` once and answers `answer`; returns its events. */
async function toolTurn(
  api: Api,
  conversationId: string,
  message: string,
  answer = "done",
): Promise<AgentEvent[]> {
  model.enqueue(toolCallReply("echo", { text: message }), textReply(answer));
  return api.chat({ conversationId, message });
}

/** Starts a turn held inside the `gate` tool; `release` opens the gate and waits for the seal. */
async function heldTurn(
  conversationId: string,
  name: string,
): Promise<{ gate: Gate; release(): Promise<void> }> {
  const g = gate(dataDir, name);
  // Only the gate call is queued: the answer after it is the model's fallback ("ok"), so a turn
  // stopped inside the gate leaves no reply behind for the next test.
  model.enqueue(toolCallReply("gate", { path: g.path }));
  const events = await openChat(d, { conversationId, message: `hold ${name}` });
  await readUntil(events, (e) => e.type === "tool-call");
  return {
    gate: g,
    async release() {
      g.open();
      await readUntil(events, (e) => e.type === "turn-sealed");
    },
  };
}

beforeAll(async () => {
  model = await startScriptedModel({ models: [{ id: "scripted-model", context_length: CONTEXT_WINDOW }] });
  model.respondWith((request) => {
    const last = sentMessages(request).at(-1);
    if (last?.role === "user" && textOf(last) === PROBE) {
      return textReply(".", { usage: { prompt_tokens: 1000, completion_tokens: 1, cached_tokens: 600 } });
    }
    return undefined;
  });
  dataDir = tempDir("routes");
  d = await bootDaemon({ model, dataDir });
});
afterAll(async () => {
  await d.stop();
  await model.close();
  removeDir(dataDir);
});

describe("guards on every route", () => {
  it("GET /health answers without a token", async () => {
    const res = await fetch(`${d.url}/health`);
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { ok: true } });
  });

  it("every other route answers 401 without the token, 415 for a non-JSON body, 404 for unknown paths", async () => {
    const routes: [string, string][] = [
      ["GET", "/models"],
      ["POST", "/chat"],
      ["POST", "/chat/warm"],
      ["GET", "/conversations"],
      ["GET", "/conversations/c"],
      ["PUT", "/conversations/c/cwd"],
      ["POST", "/conversations/c/queue"],
      ["GET", "/workspaces"],
      ["DELETE", "/workspaces/w"],
      ["GET", "/system-prompt"],
      ["GET", "/metrics/throughput"],
    ];
    for (const [method, path] of routes) {
      const res = await fetch(`${d.url}${path}`, { method });
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 401`);
    }
    const textPlain = await d.fetch("/conversations/c/title", {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ title: "x" }),
    });
    expect(textPlain.status).toBe(415);
    expectError(await d.call("GET", "/no/such/route"), 404, /No route GET \/no\/such\/route/);
  });
});

describe("path parameters", () => {
  it("every /conversations/:id route answers 400 for a bad conversation id", async () => {
    const routes: [string, string, unknown?][] = [
      ["GET", ""],
      ["GET", "/status"],
      ["GET", "/last"],
      ["GET", "/metrics"],
      ["GET", "/lsp"],
      ["GET", "/cwd"],
      ["PUT", "/cwd", { cwd: "/tmp" }],
      ["DELETE", "/cwd"],
      ["GET", "/model"],
      ["PUT", "/model", { model: null }],
      ["GET", "/reasoning-effort"],
      ["PUT", "/reasoning-effort", { reasoningEffort: "low" }],
      ["PUT", "/title", { title: "x" }],
      ["POST", "/stop"],
      ["POST", "/close"],
      ["POST", "/open"],
      ["POST", "/queue", { text: "x" }],
      ["DELETE", "/queue/m1"],
      ["POST", "/compact", {}],
      ["GET", "/compact-percent"],
      ["PUT", "/compact-percent", { threshold: 10 }],
    ];
    for (const [method, suffix, body] of routes) {
      const reply = await d.call(method, `/conversations/bad%20id${suffix}`, body);
      expect(`${method} ${suffix} ${reply.status} ${reply.body.error}`).toMatch(
        new RegExp(`^${method} ${suffix} 400 Invalid conversation id: id: must be 1-128 characters`),
      );
    }
  });

  it("every /workspaces/:id route answers 400 for an id that is not a slug", async () => {
    const routes: [string, string, unknown?][] = [
      ["GET", ""],
      ["PUT", "", {}],
      ["PUT", "/title", { title: "x" }],
      ["PUT", "/default-cwd", { defaultCwd: null }],
      ["DELETE", ""],
    ];
    for (const [method, suffix, body] of routes) {
      const reply = await d.call(method, `/workspaces/Not_A_Slug${suffix}`, body);
      expect(`${method} ${suffix} ${reply.status} ${reply.body.error}`).toMatch(
        new RegExp(`^${method} ${suffix} 400 Invalid workspace id: id: must be a slug`),
      );
    }
  });
});

describe("chat", () => {
  it("GET /models lists <credential>/<model> with the provider's context window", async () => {
    const reply = await d.call("GET", "/models");
    expect(reply).toEqual({
      status: 200,
      body: { models: [MODEL], modelInfo: { [MODEL]: { contextWindow: CONTEXT_WINDOW } } },
    });
  });

  it("POST /chat streams NDJSON events with X-Conversation-Id (generated when absent)", async () => {
    model.enqueue(textReply("hello there"));
    const res = await d.fetch("/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "hi" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    const id = res.headers.get("x-conversation-id") ?? "";
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as AgentEvent);
    const types = lines.map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(["user-message", "turn-start"]);
    expect(types.slice(-2)).toEqual(["done", "turn-sealed"]);
    expect(types).toContain("text-delta");
    expect(lines.every((e) => e.conversationId === id)).toBe(true);
  });

  it("POST /chat refuses bad bodies with a 400 (or 415) naming the field", async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /message/],
      [{ message: "   " }, /message/],
      [{ message: 5 }, /message/],
      [{ message: "x", conversationId: "../etc" }, /conversationId/],
      [{ message: "x", reasoningEffort: "extreme" }, /reasoningEffort/],
      [{ message: "x", workspaceId: "Not A Slug" }, /workspaceId/],
      [{ message: "x", model: "" }, /model/],
      [{ message: "x", cwd: "" }, /cwd/],
      [{ message: "x", images: [{ mimeType: "image/png" }] }, /images/],
      ["{not json", /Invalid JSON/],
    ];
    for (const [body, pattern] of cases) expectError(await d.call("POST", "/chat", body), 400, pattern);
  });

  it("POST /chat on a running conversation streams one TURN_ACTIVE error; an unknown model streams an error", async () => {
    const held = await heldTurn("chat-busy", "chat-busy");
    const busy = await d.chat({ conversationId: "chat-busy", message: "again" });
    expect(busy).toEqual([
      expect.objectContaining({
        type: "error",
        message: "turn already active for this conversation",
        code: "TURN_ACTIVE",
      }),
    ]);
    await held.release();
    const unknown = await d.chat({ conversationId: "chat-unknown-model", message: "x", model: "nope/model" });
    expect(unknown.at(-1)).toMatchObject({
      type: "error",
      message: expect.stringContaining("unknown model"),
    });
  });

  it("POST /chat/warm replays the prompt and returns the reference's usage fields", async () => {
    await toolTurn(d, "warm-me", "warm this");
    const before = model.requests.length;
    const reply = await d.call("POST", "/chat/warm", { conversationId: "warm-me" });
    expect(reply).toEqual({
      status: 200,
      body: {
        inputTokens: 1000,
        outputTokens: 1,
        cacheReadTokens: 600,
        cacheWriteTokens: 0,
        cachePct: 60,
        expectedCacheRate: 100,
      },
    });
    const probe = model.requests[before];
    expect(textOf(sentMessages(probe).at(-1))).toBe(PROBE);
    // The warm request is never persisted.
    const history = await d.call<{ chunks: unknown[] }>("GET", "/conversations/warm-me");
    expect(history.body.chunks).toHaveLength(4);
  });

  it("POST /chat/warm: 400 for bad bodies, 409 for no history, an unknown model, or a running turn", async () => {
    expectError(await d.call("POST", "/chat/warm", {}), 400, /conversationId/);
    expectError(await d.call("POST", "/chat/warm", { conversationId: "a/b" }), 400, /conversationId/);
    expectError(await d.call("POST", "/chat/warm", { conversationId: "warm-me", model: "" }), 400, /model/);
    expectError(await d.call("POST", "/chat/warm", { conversationId: "never-seen" }), 409, /no history/);
    expectError(
      await d.call("POST", "/chat/warm", { conversationId: "warm-me", model: "nope/model" }),
      409,
      /unknown model/,
    );
    const held = await heldTurn("warm-busy", "warm-busy");
    expectError(
      await d.call("POST", "/chat/warm", { conversationId: "warm-busy" }),
      409,
      /conversation is generating/,
    );
    await held.release();
  });
});

describe("conversations", () => {
  beforeAll(async () => {
    await toolTurn(d, "conv-a", "first message of a", "answer a");
  });

  it("GET /conversations lists metadata, filtered by status, workspaceId and id prefix", async () => {
    const all = await d.call<ConversationListResponse>("GET", "/conversations");
    expect(all.status).toBe(200);
    const a = all.body.conversations.find((c) => c.id === "conv-a");
    expect(a).toEqual({
      id: "conv-a",
      createdAt: expect.any(Number),
      lastActivityAt: expect.any(Number),
      title: "first message of a",
      status: "idle",
      workspaceId: "default",
    } satisfies ConversationMeta);
    const idle = await d.call<ConversationListResponse>(
      "GET",
      "/conversations?status=idle,closed&workspaceId=default",
    );
    expect(idle.body.conversations.every((c) => c.status === "idle" || c.status === "closed")).toBe(true);
    const prefixed = await d.call<ConversationListResponse>("GET", "/conversations?q=conv-");
    expect(prefixed.body.conversations.map((c) => c.id)).toEqual(["conv-a"]);
  });

  it("GET /conversations refuses a bad status or workspaceId", async () => {
    expectError(await d.call("GET", "/conversations?status=idle,bogus"), 400, /status/);
    expectError(await d.call("GET", "/conversations?workspaceId=Bad_Id"), 400, /workspaceId/);
  });

  it("GET /conversations/:id windows the history; bad windows and ids are 400", async () => {
    const all = await d.call<{ chunks: { seq: number }[]; latestSeq: number }>(
      "GET",
      "/conversations/conv-a",
    );
    expect(all.body.chunks.map((c) => c.seq)).toEqual([1, 2, 3, 4]);
    expect(all.body.latestSeq).toBe(4);
    const tail = await d.call("GET", "/conversations/conv-a?sinceSeq=3");
    expect(tail.body).toEqual({
      chunks: [expect.objectContaining({ seq: 4, role: "assistant" })],
      latestSeq: 4,
    });
    expect((await d.call("GET", "/conversations/never-seen")).body).toEqual({ chunks: [], latestSeq: 0 });
    for (const query of ["?limit=0", "?beforeSeq=0", "?sinceSeq=-1", "?limit=abc"]) {
      expectError(await d.call("GET", `/conversations/conv-a${query}`), 400, /sinceSeq|beforeSeq|limit/);
    }
    expectError(await d.call("GET", "/conversations/bad%20id"), 400, /conversation id/);
  });

  it("GET /conversations/:id leaves out a running turn's chunks until it seals", async () => {
    model.enqueue(textReply("held answer", { firstTokenDelayMs: 600 }));
    const asked = model.requests.length;
    const events = await openChat(d, { conversationId: "conv-running", message: "hold on" });
    await until(() => (model.requests.length > asked ? true : undefined), "the provider call");
    // The user message is stored at turn start, but a client gets it from the live events
    // (chat.subscribe replays them); history shows it only once the turn has sealed.
    expect((await d.call("GET", "/conversations/conv-running?sinceSeq=0&limit=192")).body).toEqual({
      chunks: [],
      latestSeq: 0,
    });
    // It is stored all the same, and readable on request.
    const running = await d.call<{ chunks: { seq: number; role: string }[] }>(
      "GET",
      "/conversations/conv-running?includeRunning=true",
    );
    expect(running.body.chunks.map((c) => `${c.seq}:${c.role}`)).toEqual(["1:user"]);
    expectError(await d.call("GET", "/conversations/conv-running?includeRunning=yes"), 400, /includeRunning/);
    await readUntil(events, (e) => e.type === "turn-sealed");
    const sealed = await d.call<{ chunks: { seq: number; role: string }[] }>(
      "GET",
      "/conversations/conv-running",
    );
    expect(sealed.body.chunks.map((c) => `${c.seq}:${c.role}`)).toEqual(["1:user", "2:assistant"]);
  });

  it("GET /conversations/:id/status: the reference shape; 404 unknown; 400 bad id", async () => {
    expect(await d.call("GET", "/conversations/conv-a/status")).toEqual({
      status: 200,
      body: { conversationId: "conv-a", isActive: false, status: "idle" },
    });
    expectError(await d.call("GET", "/conversations/never-seen/status"), 404, /GET \/conversations/);
    expectError(await d.call("GET", "/conversations/bad%20id/status"), 400, /conversation id/);
  });

  it("GET /conversations/:id/last: the last assistant text and its turn; 404 unknown; 400 bad id", async () => {
    const last = await d.call("GET", "/conversations/conv-a/last");
    expect(last).toEqual({
      status: 200,
      body: { conversationId: "conv-a", content: "answer a", turnId: expect.any(String) },
    });
    expectError(await d.call("GET", "/conversations/never-seen/last"), 404, /never-seen/);
    expectError(await d.call("GET", "/conversations/bad%20id/last"), 400, /conversation id/);
  });

  it("GET /conversations/:id/metrics: one TurnMetrics per sealed turn; 400 bad id", async () => {
    const reply = await d.call<{ turns: TurnMetrics[] }>("GET", "/conversations/conv-a/metrics");
    expect(reply.status).toBe(200);
    expect(reply.body.turns).toHaveLength(1);
    expect(reply.body.turns[0]).toMatchObject({
      turnId: expect.any(String),
      usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
      steps: [expect.objectContaining({ stepId: expect.any(String) }), expect.anything()],
      contextSize: expect.any(Number),
    });
    expectError(await d.call("GET", "/conversations/bad%20id/metrics"), 400, /conversation id/);
  });

  it("POST /conversations/:id/stop: abortedTurn true only for a running turn; 400 bad id", async () => {
    expect((await d.call("POST", "/conversations/conv-a/stop")).body).toEqual({
      conversationId: "conv-a",
      abortedTurn: false,
    });
    const held = await heldTurn("conv-stop", "stop");
    expect((await d.call("POST", "/conversations/conv-stop/stop")).body).toEqual({
      conversationId: "conv-stop",
      abortedTurn: true,
    });
    await until(
      async () => ((await d.call("GET", "/conversations/conv-stop/status")).body.isActive ? undefined : true),
      "stop",
    );
    held.gate.open();
    expectError(await d.call("POST", "/conversations/bad%20id/stop"), 400, /conversation id/);
  });

  it("POST /conversations/:id/close: marks it closed; 400 bad id", async () => {
    await toolTurn(d, "conv-close", "close me");
    expect((await d.call("POST", "/conversations/conv-close/close")).body).toEqual({
      conversationId: "conv-close",
      abortedTurn: false,
    });
    expect((await d.call("GET", "/conversations/conv-close/status")).body.status).toBe("closed");
    expectError(await d.call("POST", "/conversations/bad%20id/close"), 400, /conversation id/);
  });

  it("POST /conversations/:id/open: answers { conversationId }; 400 bad id", async () => {
    expect(await d.call("POST", "/conversations/conv-a/open")).toEqual({
      status: 200,
      body: { conversationId: "conv-a" },
    });
    expectError(await d.call("POST", "/conversations/bad%20id/open"), 400, /conversation id/);
  });

  it("PUT /conversations/:id/title renames; 400 empty; 404 unknown", async () => {
    expect(await d.call("PUT", "/conversations/conv-a/title", { title: "  Renamed  " })).toEqual({
      status: 200,
      body: { conversationId: "conv-a", title: "Renamed" },
    });
    const listed = await d.call<ConversationListResponse>("GET", "/conversations?q=conv-a");
    expect(listed.body.conversations[0]?.title).toBe("Renamed");
    expectError(await d.call("PUT", "/conversations/conv-a/title", { title: " " }), 400, /title/);
    expectError(await d.call("PUT", "/conversations/conv-a/title", {}), 400, /title/);
    expectError(await d.call("PUT", "/conversations/never-seen/title", { title: "x" }), 404, /never-seen/);
  });
});

describe("conversation settings", () => {
  it("GET|PUT|DELETE /conversations/:id/cwd, with workspaceId assigning the workspace", async () => {
    expect((await d.call("GET", "/conversations/set-cwd/cwd")).body).toEqual({
      conversationId: "set-cwd",
      cwd: null,
    });
    const put = await d.call("PUT", "/conversations/set-cwd/cwd", {
      cwd: "/srv/project",
      workspaceId: "cwd-ws",
    });
    expect(put).toEqual({ status: 200, body: { conversationId: "set-cwd", cwd: "/srv/project" } });
    expect((await d.call("GET", "/conversations/set-cwd/cwd")).body).toEqual({
      conversationId: "set-cwd",
      cwd: "/srv/project",
    });
    const listed = await d.call<ConversationListResponse>("GET", "/conversations?q=set-cwd");
    expect(listed.body.conversations[0]?.workspaceId).toBe("cwd-ws");
    expect((await d.call("DELETE", "/conversations/set-cwd/cwd")).body).toEqual({
      conversationId: "set-cwd",
      cwd: null,
    });
    expect((await d.call("GET", "/conversations/set-cwd/cwd")).body.cwd).toBeNull();
  });

  it("PUT /conversations/:id/cwd refuses a missing or empty cwd and a bad workspaceId", async () => {
    expectError(await d.call("PUT", "/conversations/set-cwd/cwd", {}), 400, /cwd/);
    expectError(await d.call("PUT", "/conversations/set-cwd/cwd", { cwd: "  " }), 400, /cwd/);
    expectError(await d.call("PUT", "/conversations/set-cwd/cwd", { cwd: 7 }), 400, /cwd/);
    expectError(
      await d.call("PUT", "/conversations/set-cwd/cwd", { cwd: "/x", workspaceId: "NO!" }),
      400,
      /workspaceId/,
    );
    expectError(await d.call("GET", "/conversations/bad%20id/cwd"), 400, /conversation id/);
  });

  it("GET|PUT /conversations/:id/model persists the model; null or empty clears; the next turn uses it", async () => {
    expect((await d.call("GET", "/conversations/set-model/model")).body).toEqual({
      conversationId: "set-model",
      model: null,
    });
    expect(
      (await d.call("PUT", "/conversations/set-model/model", { model: "opencode/other-model" })).body,
    ).toEqual({
      conversationId: "set-model",
      model: "opencode/other-model",
    });
    // A measurable generation time (≥ 1 ms): the throughput test below counts this turn, and the
    // throughput store leaves out turns whose generation took no measurable time.
    model.enqueue(textReply("from the other model", { tokenDelayMs: 2 }));
    await d.chat({ conversationId: "set-model", message: "which model?" });
    expect(sentBody(model.requests.at(-1)).model).toBe("other-model");
    expect((await d.call("PUT", "/conversations/set-model/model", { model: null })).body.model).toBeNull();
    expect((await d.call("PUT", "/conversations/set-model/model", { model: "" })).body.model).toBeNull();
    expectError(await d.call("PUT", "/conversations/set-model/model", {}), 400, /model/);
    expectError(await d.call("PUT", "/conversations/set-model/model", { model: 3 }), 400, /model/);
  });

  it("GET|PUT /conversations/:id/reasoning-effort persists and maps to the provider's reasoning_effort", async () => {
    expect((await d.call("GET", "/conversations/set-effort/reasoning-effort")).body).toEqual({
      conversationId: "set-effort",
      reasoningEffort: null,
    });
    expect(
      (await d.call("PUT", "/conversations/set-effort/reasoning-effort", { reasoningEffort: "low" })).body,
    ).toEqual({
      conversationId: "set-effort",
      reasoningEffort: "low",
    });
    model.enqueue(textReply("thinking lightly"));
    await d.chat({ conversationId: "set-effort", message: "think" });
    expect(sentBody(model.requests.at(-1)).reasoning_effort).toBe("low");
    expectError(
      await d.call("PUT", "/conversations/set-effort/reasoning-effort", { reasoningEffort: "extreme" }),
      400,
      /reasoningEffort/,
    );
    expectError(
      await d.call("PUT", "/conversations/set-effort/reasoning-effort", {}),
      400,
      /reasoningEffort/,
    );
  });

  it("GET|PUT /conversations/:id/compact-percent: default 85, 0-100, threshold or percent", async () => {
    expect((await d.call("GET", "/conversations/set-pct/compact-percent")).body).toEqual({
      conversationId: "set-pct",
      threshold: 85,
    });
    expect((await d.call("PUT", "/conversations/set-pct/compact-percent", { threshold: 50 })).body).toEqual({
      conversationId: "set-pct",
      threshold: 50,
    });
    expect(
      (await d.call("PUT", "/conversations/set-pct/compact-percent", { percent: 0 })).body.threshold,
    ).toBe(0);
    expect((await d.call("GET", "/conversations/set-pct/compact-percent")).body.threshold).toBe(0);
    for (const body of [{}, { threshold: 101 }, { threshold: -1 }, { threshold: "50" }]) {
      expectError(await d.call("PUT", "/conversations/set-pct/compact-percent", body), 400, /threshold/);
    }
  });
});

describe("queue", () => {
  it("POST /conversations/:id/queue while idle starts a turn (text or message)", async () => {
    model.enqueue(textReply("started by the queue"));
    const reply = await d.call("POST", "/conversations/queue-idle/queue", { message: "  via message  " });
    expect(reply).toEqual({
      status: 200,
      body: { conversationId: "queue-idle", startedTurn: true, queue: [] },
    });
    const last = await d.call("GET", "/conversations/queue-idle/last");
    expect(last.body.content).toBe("started by the queue");
    const history = await d.call<{ chunks: { chunk: { type: string; text?: string } }[] }>(
      "GET",
      "/conversations/queue-idle",
    );
    expect(history.body.chunks[0]?.chunk).toEqual({ type: "text", text: "via message" });
  });

  it("POST .../queue while running queues; DELETE .../queue/:messageId cancels, idempotently", async () => {
    const held = await heldTurn("queue-busy", "queue-busy");
    const queued = await d.call<{
      startedTurn: boolean;
      queue: { id: string; text: string; queuedAt: number }[];
    }>("POST", "/conversations/queue-busy/queue", { text: "later" });
    expect(queued.status).toBe(200);
    expect(queued.body).toEqual({
      conversationId: "queue-busy",
      startedTurn: false,
      queue: [{ id: expect.any(String), text: "later", queuedAt: expect.any(Number) }],
    });
    const id = queued.body.queue[0]?.id ?? "";
    expect((await d.call("DELETE", `/conversations/queue-busy/queue/${id}`)).body).toEqual({
      conversationId: "queue-busy",
      cancelled: true,
      queue: [],
    });
    expect((await d.call("DELETE", `/conversations/queue-busy/queue/${id}`)).body).toEqual({
      conversationId: "queue-busy",
      cancelled: false,
      queue: [],
    });
    await held.release();
  });

  it("POST .../queue refuses an empty text, a non-string, a bad workspaceId and a bad id", async () => {
    expectError(await d.call("POST", "/conversations/queue-bad/queue", {}), 400, /text \(or message\)/);
    expectError(await d.call("POST", "/conversations/queue-bad/queue", { text: "   " }), 400, /text/);
    expectError(await d.call("POST", "/conversations/queue-bad/queue", { text: 5 }), 400, /text/);
    expectError(
      await d.call("POST", "/conversations/queue-bad/queue", { text: "x", workspaceId: "Bad Id" }),
      400,
      /workspaceId/,
    );
    expectError(await d.call("POST", "/conversations/bad%20id/queue", { text: "x" }), 400, /conversation id/);
    expectError(await d.call("DELETE", "/conversations/bad%20id/queue/m1"), 400, /conversation id/);
  });
});

describe("compaction routes", () => {
  beforeAll(async () => {
    for (let i = 0; i < 4; i++) await toolTurn(d, "compact-me", `step ${i}`, `answer ${i}`);
  });

  it("POST /conversations/:id/compact returns the reference fields and archives the history", async () => {
    model.enqueue(textReply("A short summary."));
    const reply = await d.call<{
      newConversationId: string;
      messagesSummarized: number;
      messagesKept: number;
    }>("POST", "/conversations/compact-me/compact", { keepLastN: 4 });
    expect(reply).toEqual({
      status: 200,
      body: {
        conversationId: "compact-me",
        newConversationId: expect.any(String),
        messagesSummarized: 12,
        messagesKept: 4,
      },
    });
    const archive = await d.call<{ chunks: unknown[] }>(
      "GET",
      `/conversations/${reply.body.newConversationId}`,
    );
    expect(archive.body.chunks).toHaveLength(16);
    const live = await d.call<ConversationListResponse>("GET", "/conversations?q=compact-me");
    expect(live.body.conversations[0]?.compactedFrom).toBe(reply.body.newConversationId);
  });

  it("POST .../compact: 400 bad keepLastN or modelName, 404 unknown, 409 too short or generating", async () => {
    expectError(
      await d.call("POST", "/conversations/compact-me/compact", { keepLastN: 0 }),
      400,
      /keepLastN/,
    );
    expectError(
      await d.call("POST", "/conversations/compact-me/compact", { keepLastN: 1.5 }),
      400,
      /keepLastN/,
    );
    expectError(
      await d.call("POST", "/conversations/compact-me/compact", { keepLastN: "3" }),
      400,
      /keepLastN/,
    );
    expectError(
      await d.call("POST", "/conversations/compact-me/compact", { modelName: "" }),
      400,
      /modelName/,
    );
    expectError(await d.call("POST", "/conversations/never-seen/compact", {}), 404, /never-seen/);
    await toolTurn(d, "compact-short", "short");
    expectError(await d.call("POST", "/conversations/compact-short/compact", {}), 409, /too short/);
    const held = await heldTurn("compact-busy", "compact-busy");
    expectError(
      await d.call("POST", "/conversations/compact-busy/compact", {}),
      409,
      /conversation is generating/,
    );
    await held.release();
  });
});

describe("workspaces", () => {
  it("GET /workspaces lists WorkspaceEntry values, `default` always present", async () => {
    const reply = await d.call<{ workspaces: WorkspaceEntry[] }>("GET", "/workspaces");
    expect(reply.status).toBe(200);
    expect(reply.body.workspaces.find((w) => w.id === "default")).toEqual({
      id: "default",
      title: expect.any(String),
      defaultCwd: null,
      defaultComputerId: null,
      createdAt: expect.any(Number),
      lastActivityAt: expect.any(Number),
      conversationCount: expect.any(Number),
    });
  });

  it("PUT /workspaces/:id creates or updates; GET /workspaces/:id reads; bad slugs and bodies are 400", async () => {
    const created = await d.call("PUT", "/workspaces/team-a", { title: "Team A", defaultCwd: "/srv/a" });
    expect(created).toEqual({
      status: 200,
      body: {
        id: "team-a",
        title: "Team A",
        defaultCwd: "/srv/a",
        defaultComputerId: null,
        createdAt: expect.any(Number),
        lastActivityAt: expect.any(Number),
      },
    });
    expect((await d.call("GET", "/workspaces/team-a")).body).toMatchObject({ id: "team-a", title: "Team A" });
    expectError(await d.call("GET", "/workspaces/no-such"), 404, /PUT \/workspaces\/no-such/);
    expectError(await d.call("PUT", "/workspaces/Team_A", { title: "x" }), 400, /workspace id/);
    expectError(await d.call("PUT", "/workspaces/team-a", { title: "" }), 400, /title/);
    expectError(await d.call("PUT", "/workspaces/team-a", { defaultCwd: 5 }), 400, /defaultCwd/);
  });

  it("PUT /workspaces/:id/title renames; 400 empty; 404 unknown", async () => {
    await d.call("PUT", "/workspaces/team-b", {});
    expect((await d.call("PUT", "/workspaces/team-b/title", { title: "Team B" })).body).toMatchObject({
      id: "team-b",
      title: "Team B",
    });
    expectError(await d.call("PUT", "/workspaces/team-b/title", { title: "" }), 400, /title/);
    expectError(await d.call("PUT", "/workspaces/team-b/title", {}), 400, /title/);
    expectError(await d.call("PUT", "/workspaces/no-such/title", { title: "x" }), 404, /no-such/);
  });

  it("PUT /workspaces/:id/default-cwd sets and clears; 400 bad body; 404 unknown", async () => {
    const cwd = join(dataDir, "ws-cwd");
    mkdirSync(cwd, { recursive: true });
    expect((await d.call("PUT", "/workspaces/team-c/default-cwd", { defaultCwd: cwd })).status).toBe(404);
    await d.call("PUT", "/workspaces/team-c", {});
    expect((await d.call("PUT", "/workspaces/team-c/default-cwd", { defaultCwd: cwd })).body).toMatchObject({
      id: "team-c",
      defaultCwd: cwd,
    });
    expect((await d.call("PUT", "/workspaces/team-c/default-cwd", { defaultCwd: null })).body).toMatchObject({
      defaultCwd: null,
    });
    expectError(await d.call("PUT", "/workspaces/team-c/default-cwd", {}), 400, /defaultCwd/);
    expectError(await d.call("PUT", "/workspaces/team-c/default-cwd", { defaultCwd: "" }), 400, /defaultCwd/);
  });

  it("the cwd ladder: turn override, conversation cwd (relative to the workspace's), workspace default, server default", async () => {
    const dirs = ["ladder-ws", "ladder-ws/sub", "ladder-conv", "ladder-turn"].map((name) =>
      join(dataDir, name),
    );
    for (const dir of dirs) mkdirSync(dir, { recursive: true });
    const [wsDir, subDir, convDir, turnDir] = dirs;
    const where = async (extra: Record<string, unknown> = {}) => {
      model.enqueue(toolCallReply("where", {}), textReply("here"));
      const events = await d.chat({ conversationId: "ladder", message: "where am I?", ...extra });
      const result = events.find((e) => e.type === "tool-result");
      return result?.type === "tool-result" ? result.content : undefined;
    };
    expect(await where()).toBe(dataDir);
    await d.call("PUT", "/workspaces/ladder", { defaultCwd: wsDir });
    expect(await where({ workspaceId: "ladder" })).toBe(wsDir);
    await d.call("PUT", "/conversations/ladder/cwd", { cwd: "sub" });
    expect(await where()).toBe(subDir);
    await d.call("PUT", "/conversations/ladder/cwd", { cwd: convDir });
    expect(await where()).toBe(convDir);
    expect(await where({ cwd: turnDir })).toBe(turnDir);
  });

  it("DELETE /workspaces/:id closes and moves its conversations; 409 for default; 404 unknown", async () => {
    await d.call("PUT", "/workspaces/doomed", { title: "Doomed" });
    await d.call("PUT", "/conversations/in-doomed/cwd", { cwd: "/tmp", workspaceId: "doomed" });
    expect(await d.call("DELETE", "/workspaces/doomed")).toEqual({
      status: 200,
      body: { workspaceId: "doomed", closedCount: 1 },
    });
    const moved = await d.call<ConversationListResponse>("GET", "/conversations?q=in-doomed");
    expect(moved.body.conversations[0]).toMatchObject({ workspaceId: "default", status: "closed" });
    expect((await d.call("GET", "/workspaces/doomed")).status).toBe(404);
    expectError(await d.call("DELETE", "/workspaces/default"), 409, /default/);
    expectError(await d.call("DELETE", "/workspaces/no-such"), 404, /no-such/);
    expectError(await d.call("DELETE", "/workspaces/BAD"), 400, /workspace id/);
  });
});

describe("system prompt", () => {
  it("GET|PUT /system-prompt reads and replaces the template; an empty one is allowed", async () => {
    const initial = await d.call<{ template: string }>("GET", "/system-prompt");
    expect(initial.status).toBe(200);
    expect(typeof initial.body.template).toBe("string");
    expect(initial.body.template.length).toBeGreaterThan(0);
    const template = "You are terse. cwd=[prompt:cwd]";
    expect(await d.call("PUT", "/system-prompt", { template })).toEqual({ status: 200, body: { template } });
    expect((await d.call("GET", "/system-prompt")).body).toEqual({ template });
    expect((await d.call("PUT", "/system-prompt", { template: "" })).body).toEqual({ template: "" });
    expect((await d.call("PUT", "/system-prompt", { template: initial.body.template })).status).toBe(200);
  });

  it("PUT /system-prompt refuses a missing or non-string template", async () => {
    expectError(await d.call("PUT", "/system-prompt", {}), 400, /template/);
    expectError(await d.call("PUT", "/system-prompt", { template: 42 }), 400, /template/);
  });

  it("GET /system-prompt/variables lists the catalog", async () => {
    const reply = await d.call<{ variables: { type?: string; name: string; description: string }[] }>(
      "GET",
      "/system-prompt/variables",
    );
    expect(reply.status).toBe(200);
    const keys = reply.body.variables.map((v) => (v.type ? `${v.type}:${v.name}` : v.name));
    for (const key of [
      "system:time",
      "system:date",
      "system:os",
      "prompt:cwd",
      "prompt:model",
      "git:branch",
    ]) {
      expect(keys).toContain(key);
    }
    expect(reply.body.variables.every((v) => typeof v.description === "string" && v.description !== "")).toBe(
      true,
    );
  });
});

describe("metrics", () => {
  it("GET /metrics/throughput aggregates per model by day, week and month", async () => {
    const today = new Date().toISOString().slice(0, 10);
    type Stat = {
      model: string;
      tokensPerSecond: number;
      totalOutputTokens: number;
      totalGenMs: number;
      turns: number;
    };
    const day = await d.call<{ period: string; date: string; start: number; end: number; models: Stat[] }>(
      "GET",
      `/metrics/throughput?period=day&date=${today}`,
    );
    expect(day.status).toBe(200);
    const midnight = Date.parse(`${today}T00:00:00Z`);
    expect(day.body).toEqual({
      period: "day",
      date: today,
      start: midnight,
      end: midnight + 86_400_000,
      models: expect.any(Array),
    });
    // Every model this file's turns ran on, fastest first, tokens/s = Σ output tokens / Σ generation time.
    expect(day.body.models.map((m) => m.model).sort()).toEqual(["opencode/other-model", MODEL]);
    for (const stat of day.body.models) {
      expect(stat).toEqual({
        model: expect.any(String),
        tokensPerSecond: Math.round((stat.totalOutputTokens / stat.totalGenMs) * 1000 * 100) / 100,
        totalOutputTokens: expect.any(Number),
        totalGenMs: expect.any(Number),
        turns: expect.any(Number),
      });
    }
    const speeds = day.body.models.map((m) => m.tokensPerSecond);
    expect(speeds).toEqual([...speeds].sort((a, b) => b - a));
    expect(day.body.models.find((m) => m.model === "opencode/other-model")?.turns).toBe(1);
    const week = await d.call<{ start: number; end: number }>(
      "GET",
      `/metrics/throughput?period=week&date=${today}`,
    );
    expect(week.body.end - week.body.start).toBe(7 * 86_400_000);
    const month = await d.call<{ models: Stat[] }>(
      "GET",
      `/metrics/throughput?period=month&date=${today.slice(0, 7)}`,
    );
    expect(month.body.models).toEqual(day.body.models);
    const empty = await d.call<{ models: unknown[] }>(
      "GET",
      "/metrics/throughput?period=day&date=2001-01-01",
    );
    expect(empty.body.models).toEqual([]);
  });

  it("GET /metrics/throughput refuses a bad period or date", async () => {
    expectError(await d.call("GET", "/metrics/throughput?period=year"), 400, /period/);
    expectError(await d.call("GET", "/metrics/throughput?period=day&date=2026-02-30"), 400, /date/);
    expectError(await d.call("GET", "/metrics/throughput?period=day&date=yesterday"), 400, /date/);
  });
});

describe("lsp", () => {
  it("GET /conversations/:id/lsp: no persisted cwd → cwd null and no servers; 400 bad id", async () => {
    expect(await d.call("GET", "/conversations/no-cwd/lsp")).toEqual({
      status: 200,
      body: { conversationId: "no-cwd", cwd: null, servers: [] },
    });
    await d.call("PUT", "/conversations/lsp-cwd/cwd", { cwd: dataDir });
    const withCwd = await d.call<{ cwd: string; servers: unknown[] }>("GET", "/conversations/lsp-cwd/lsp");
    expect(withCwd.body).toMatchObject({ conversationId: "lsp-cwd", cwd: dataDir });
    expect(Array.isArray(withCwd.body.servers)).toBe(true);
    expectError(await d.call("GET", "/conversations/bad%20id/lsp"), 400, /conversation id/);
  });
});
