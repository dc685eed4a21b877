/**
 * Conformance with the `dispatch-web` dev client (web-client.md §3 and §8), replaying its exact
 * message sequences against a daemon configured the way its operator would run it: auth off and
 * the client's origin (`http://localhost:24204`) allowed. Covered: boot (catalog, subscribe-all,
 * draft-id probes), the first send with a client-minted UUID and the unknown default model, a
 * streamed turn whose stored history matches what streamed, a send from a second client while a
 * turn runs, reload mid-turn (replay from `user-message`), tab switch re-scoping, the Cache Warming
 * view's invokes (real cache-warming extension) and "Warm now", a surface error, and tab close
 * (`POST .../close` → `done` aborted → `turn-sealed`).
 * The tests run in order and share one conversation, as one browser session would.
 */
import { createCacheWarmingExtension } from "@dispatch/cache-warming";
import { textReply, toolCallReply } from "@dispatch/testkit";
import type { ConversationHistoryResponse, CwdResponse } from "@dispatch/transport-contract";
import type { SurfaceCatalog, SurfaceField } from "@dispatch/ui-contract";
import type { AgentEvent } from "@dispatch/wire";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type TestClient } from "./clients.test.ts";
import { gate, gateToolExtension, MODEL, startTestDaemon, type TestDaemon } from "./harness.test.ts";
import type { WsServerMessage } from "./protocol.ts";

const ORIGIN = "http://localhost:24204";
const DEFAULT_MODEL = "opencode/deepseek-v4-flash";

let daemon: TestDaemon;
let held = gate();
let tab: TestClient;
const draft = crypto.randomUUID();
const otherDraft = crypto.randomUUID();
let catalog: SurfaceCatalog = [];

beforeAll(async () => {
  daemon = await startTestDaemon({
    allowedOrigins: [ORIGIN],
    extensions: [
      gateToolExtension(() => held),
      createCacheWarmingExtension({ enabledByDefault: false, intervalSeconds: 240, maxWarmsPerIdle: 3 }),
    ],
  });
});

afterAll(async () => {
  await tab?.close();
  await daemon.close();
});

/** The page's HTTP calls carry its Origin, as a browser's do. */
const page = (path: string, init: RequestInit = {}) =>
  daemon.http(path, {
    ...init,
    headers: { origin: ORIGIN, ...Object.fromEntries(new Headers(init.headers)) },
  });

/** What the client does on every `catalog`: subscribe to each entry, scoped ones with the focused tab. */
function subscribeAll(client: TestClient, focused: string): void {
  for (const entry of catalog) {
    client.send({
      type: "subscribe",
      surfaceId: entry.id,
      ...(entry.scope === "conversation" ? { conversationId: focused } : {}),
    });
  }
}

const textOf = (events: AgentEvent[]) =>
  events.flatMap((e) => (e.type === "text-delta" ? [e.delta] : [])).join("");

describe("dispatch-web dev client against the daemon", () => {
  it("boot: WS connects from the page's origin, catalog first, subscribe-all answered with echoes", async () => {
    tab = await connect(daemon.wsUrl, { headers: { origin: ORIGIN } });
    const first = await tab.waitFor(() => true);
    expect(first.type).toBe("catalog");
    catalog = first.type === "catalog" ? first.catalog : [];
    expect(catalog).toEqual(
      expect.arrayContaining([
        { id: "loaded-extensions", region: "side", title: "Loaded Extensions", scope: "global" },
        { id: "cache-warming", region: "side", title: "Cache Warming", scope: "conversation" },
      ]),
    );
    subscribeAll(tab, draft);
    for (const entry of catalog) {
      const reply = await tab.waitFor((m) => m.type === "surface" && m.spec.id === entry.id);
      if (entry.scope === "conversation") expect(reply).toMatchObject({ conversationId: draft });
      else expect(reply).not.toHaveProperty("conversationId");
    }
    const loaded = tab.received.find((m) => m.type === "surface" && m.spec.id === "loaded-extensions");
    const rows = loaded?.type === "surface" ? loaded.spec.fields.filter((f) => f.kind === "stat") : [];
    expect(rows.length).toBeGreaterThanOrEqual(8);
  });

  it("boot: the draft-id probes and the model list succeed over HTTP for a never-seen id", async () => {
    const cwd = await page(`/conversations/${draft}/cwd`);
    expect(cwd.status).toBe(200);
    expect((await cwd.json()) as CwdResponse).toEqual({ conversationId: draft, cwd: null });
    const effort = await page(`/conversations/${draft}/reasoning-effort`);
    expect(effort.status).toBe(200);
    expect(await effort.json()).toMatchObject({ conversationId: draft });
    const models = await page("/models");
    expect(models.status).toBe(200);
    expect(((await models.json()) as { models: string[] }).models).toContain(MODEL);
  });

  it("first send: the client's UUID is used verbatim and the unknown default model fails gracefully", async () => {
    tab.send({ type: "chat.send", conversationId: draft, message: "hello", model: DEFAULT_MODEL });
    const events = await tab.waitForEvent(draft, "error");
    expect(events[0]).toMatchObject({ type: "user-message", conversationId: draft, text: "hello" });
    expect(events[1]).toMatchObject({ type: "error", conversationId: draft, code: "UNKNOWN_MODEL" });
    expect(events[1]?.type === "error" && events[1].message).toContain(DEFAULT_MODEL);
    expect(tab.socket.readyState).toBe(tab.socket.OPEN);
  });

  it("a turn streams reasoning, text and a tool batch, and the stored history matches it after turn-sealed", async () => {
    held = gate();
    held.open();
    daemon.model.enqueue(
      toolCallReply("gate", {}, { reasoning: "Let me think.", text: "Checking. " }),
      textReply("All good."),
    );
    tab.send({ type: "chat.send", conversationId: draft, message: "use the tool", model: MODEL });
    const all = await tab.waitForEvent(draft, "turn-sealed");
    const turn = all.slice(all.findLastIndex((e) => e.type === "user-message"));
    expect(turn[0]).toMatchObject({ type: "user-message", text: "use the tool" });
    expect(turn.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        "turn-start",
        "reasoning-delta",
        "tool-call",
        "tool-result",
        "usage",
        "step-complete",
      ]),
    );
    const call = turn.find((e) => e.type === "tool-call");
    const result = turn.find((e) => e.type === "tool-result");
    expect(call?.type === "tool-call" && result?.type === "tool-result").toBe(true);
    if (call?.type === "tool-call" && result?.type === "tool-result") {
      expect(result.stepId).toBe(call.stepId);
      expect(result.toolCallId).toBe(call.toolCallId);
    }
    const done = turn.find((e) => e.type === "done");
    expect(done).toMatchObject({ reason: "stop" });
    expect(done?.type === "done" && done.contextSize).toBeGreaterThan(0);
    expect(turn.at(-1)?.type).toBe("turn-sealed");

    const history = (await (
      await page(`/conversations/${draft}?sinceSeq=0&limit=192`)
    ).json()) as ConversationHistoryResponse;
    expect(history.chunks.map((c) => c.seq)).toEqual(history.chunks.map((_, i) => i + 1));
    const stored = history.chunks.flatMap((c) =>
      c.role === "assistant" && c.chunk.type === "text" ? [c.chunk.text] : [],
    );
    expect(stored.join("")).toBe(textOf(turn));
    const metrics = (await (await page(`/conversations/${draft}/metrics`)).json()) as { turns: unknown[] };
    expect(metrics.turns).toHaveLength(1);
  });

  it("a send from a second client while a turn runs is a Chat error there; that client keeps watching", async () => {
    held = gate();
    daemon.model.enqueue(toolCallReply("gate", {}), textReply("Done after the wait."));
    tab.send({ type: "chat.send", conversationId: draft, message: "wait for it", model: MODEL });
    await tab.waitForEvent(draft, "tool-call", 2);
    const second = await connect(daemon.wsUrl, { headers: { origin: ORIGIN } });
    second.send({ type: "chat.subscribe", conversationId: draft });
    second.send({ type: "chat.send", conversationId: draft, message: "me too", model: MODEL });
    const error = await second.waitFor((m) => m.type === "chat.error");
    expect(error).toMatchObject({ type: "chat.error", conversationId: draft });
    expect(second.events(draft)[0]).toMatchObject({ type: "user-message", text: "wait for it" });
    await second.close();
  });

  it("reload mid-turn: a new socket re-subscribes, gets the replay from user-message, and the turn finishes", async () => {
    await tab.close();
    tab = await connect(daemon.wsUrl, { headers: { origin: ORIGIN } });
    await tab.waitFor((m) => m.type === "catalog");
    subscribeAll(tab, draft);
    tab.send({ type: "chat.subscribe", conversationId: draft });
    await tab.waitForEvent(draft, "tool-call");
    held.open();
    const events = await tab.waitForEvent(draft, "turn-sealed");
    expect(events[0]).toMatchObject({ type: "user-message", text: "wait for it" });
    expect(events.filter((e) => e.type === "user-message")).toHaveLength(1);
    expect(events.find((e) => e.type === "done")).toMatchObject({ reason: "stop" });
    expect(textOf(events)).toBe("Done after the wait.");
    const indexes = tab.received.flatMap((m) => (m.type === "chat.delta" ? [m.index] : []));
    expect(indexes).toEqual(events.map((_, i) => i));
  });

  it("tab switch re-scopes conversation surfaces; the Cache Warming view's invokes round-trip", async () => {
    tab.send({ type: "unsubscribe", surfaceId: "cache-warming", conversationId: draft });
    tab.send({ type: "subscribe", surfaceId: "cache-warming", conversationId: otherDraft });
    const reply = await tab.waitFor(
      (m) => m.type === "surface" && m.spec.id === "cache-warming" && m.conversationId === otherDraft,
    );
    // The view reads fields by kind: first toggle = enabled, first number = interval (s), the timer.
    const fields = reply.type === "surface" ? reply.spec.fields : [];
    const toggle = fields.find((f) => f.kind === "toggle");
    const interval = fields.find((f) => f.kind === "number");
    const timer = fields.find((f) => f.kind === "custom" && f.rendererId === "cache-warming-timer");
    expect(toggle).toMatchObject({ value: false });
    expect(timer).toMatchObject({ payload: { nextWarmAt: null, lastWarmAt: null } });
    expect(fields.some((f) => f.kind === "stat" && /retention/i.test(f.label))).toBe(true);

    tab.send({
      type: "invoke",
      surfaceId: "cache-warming",
      actionId: actionOf(toggle),
      conversationId: otherDraft,
    });
    const flipped = await tab.waitFor((m) => isCacheWarmingUpdate(m));
    expect(flipped).toMatchObject({ update: { conversationId: otherDraft } });
    const flippedFields = isCacheWarmingUpdate(flipped) ? flipped.update.spec.fields : [];
    expect(flippedFields.find((f) => f.kind === "toggle")).toMatchObject({ value: true });
    tab.send({
      type: "invoke",
      surfaceId: "cache-warming",
      actionId: actionOf(interval),
      payload: 120,
      conversationId: otherDraft,
    });
    await tab.waitFor(
      (m) =>
        isCacheWarmingUpdate(m) && m.update.spec.fields.some((f) => f.kind === "number" && f.value === 120),
    );
    const stale = tab.received.filter((m) => isCacheWarmingUpdate(m) && m.update.conversationId === draft);
    expect(stale).toEqual([]);
  });

  it('"Warm now" on a real tab: POST /chat/warm answers the percentages the view shows', async () => {
    const response = await page("/chat/warm", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ conversationId: draft, model: MODEL }),
    });
    expect(response.status).toBe(200);
    const warm = (await response.json()) as Record<string, unknown>;
    for (const key of [
      "inputTokens",
      "outputTokens",
      "cacheReadTokens",
      "cacheWriteTokens",
      "cachePct",
      "expectedCacheRate",
    ]) {
      expect(typeof warm[key]).toBe("number");
    }
  });

  it("a failing surface action comes back as an error for the red banner", async () => {
    tab.send({
      type: "invoke",
      surfaceId: "loaded-extensions",
      actionId: "toggle",
      payload: true,
      conversationId: draft,
    });
    const error = await tab.waitFor((m) => m.type === "error");
    expect(error).toMatchObject({ type: "error", surfaceId: "loaded-extensions" });
  });

  it("sending again continues the conversation: seq stays 1-based and gap-free", async () => {
    daemon.model.enqueue(textReply("Third answer."));
    tab.send({ type: "chat.send", conversationId: draft, message: "and again", model: MODEL });
    await tab.waitForEvent(draft, "turn-sealed", 2);
    const history = (await (
      await page(`/conversations/${draft}?sinceSeq=0`)
    ).json()) as ConversationHistoryResponse;
    expect(history.chunks.map((c) => c.seq)).toEqual(history.chunks.map((_, i) => i + 1));
    expect(history.chunks.at(-1)).toMatchObject({
      role: "assistant",
      chunk: { type: "text", text: "Third answer." },
    });
    expect(history.latestSeq).toBe(history.chunks.length);
  });

  it("tab close during a turn: POST close + chat.unsubscribe ends it with done aborted, then turn-sealed", async () => {
    const watcher = await connect(daemon.wsUrl, { headers: { origin: ORIGIN } });
    watcher.send({ type: "chat.subscribe", conversationId: draft });
    held = gate();
    daemon.model.enqueue(toolCallReply("gate", {}), textReply("never sent"));
    tab.send({ type: "chat.send", conversationId: draft, message: "long job", model: MODEL });
    await watcher.waitForEvent(draft, "tool-call");
    const closed = await page(`/conversations/${draft}/close`, { method: "POST" });
    expect(await closed.json()).toEqual({ conversationId: draft, abortedTurn: true });
    tab.send({ type: "chat.unsubscribe", conversationId: draft });
    const events = await watcher.waitForEvent(draft, "turn-sealed");
    const done = events.find((e) => e.type === "done");
    expect(done).toMatchObject({ reason: "aborted" });
    expect(events.indexOf(done as AgentEvent)).toBeLessThan(events.length - 1);
    expect(events.at(-1)?.type).toBe("turn-sealed");
    held.open();
    await watcher.close();
  });
});

function isCacheWarmingUpdate(m: WsServerMessage): m is Extract<WsServerMessage, { type: "update" }> {
  return m.type === "update" && m.update.surfaceId === "cache-warming";
}

function actionOf(field: SurfaceField | undefined): string {
  return field && "action" in field ? field.action.actionId : "";
}
