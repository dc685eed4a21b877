/**
 * Every message type of the protocol with real `ws` clients against a running daemon: the catalog
 * on connect, surface subscribe/unsubscribe/invoke, every chat operation, the global broadcasts, and
 * bad frames (not JSON, unknown type, missing fields, oversized, binary), each answered with an
 * `error` or `chat.error` while the connection stays usable; past the hard frame cap it closes 1009.
 */
import { textReply, toolCallReply } from "@dispatch/testkit";
import type { AgentEvent } from "@dispatch/wire";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type TestClient } from "./clients.test.ts";
import { gate, gateToolExtension, MODEL, startTestDaemon, type TestDaemon } from "./harness.test.ts";
import type { WsServerMessage } from "./protocol.ts";

let daemon: TestDaemon;
let held = gate();

beforeAll(async () => {
  daemon = await startTestDaemon({
    limits: { maxFrameBytes: 4096, hardFrameBytes: 16_384 },
    extensions: [gateToolExtension(() => held)],
  });
});

afterAll(async () => {
  await daemon.close();
});

const isType =
  (type: WsServerMessage["type"]) =>
  (message: WsServerMessage): boolean =>
    message.type === type;

/** Proves the connection still answers: a subscribe gets its `surface` reply. */
async function stillServes(client: TestClient): Promise<void> {
  const before = client.received.length;
  client.send({ type: "subscribe", surfaceId: "loaded-extensions" });
  await client.waitFor((m) => m.type === "surface" && client.received.indexOf(m) >= before);
}

function indexes(client: TestClient, conversationId: string): number[] {
  return client.received.flatMap((m) =>
    m.type === "chat.delta" && m.event.conversationId === conversationId && m.index !== undefined
      ? [m.index]
      : [],
  );
}

describe("surface messages", () => {
  it("greets with the catalog, answers subscribe with the spec, and stops after unsubscribe", async () => {
    const client = await connect(daemon.wsUrl);
    const first = await client.waitFor(() => true);
    expect(first.type).toBe("catalog");
    expect(first.type === "catalog" && first.catalog.map((e) => e.id)).toContain("loaded-extensions");

    client.send({ type: "subscribe", surfaceId: "loaded-extensions" });
    const surface = await client.waitFor(isType("surface"));
    expect(surface.type === "surface" && surface.spec.title).toBe("Loaded Extensions");
    expect(
      surface.type === "surface" && surface.spec.fields.map((f) => f.kind === "stat" && f.label),
    ).toContain("transport-ws");
    expect(surface).not.toHaveProperty("conversationId");

    client.send({ type: "unsubscribe", surfaceId: "loaded-extensions" });
    await stillServes(client);
    await client.close();
  });

  it("answers subscribe and invoke of an unknown surface with an error naming it", async () => {
    const client = await connect(daemon.wsUrl);
    client.send({ type: "subscribe", surfaceId: "nope" });
    const error = await client.waitFor(isType("error"));
    expect(error).toEqual({
      type: "error",
      surfaceId: "nope",
      message: 'unknown surface "nope": use an id from the latest catalog',
    });
    client.send({ type: "invoke", surfaceId: "loaded-extensions", actionId: "refresh" });
    const refused = await client.waitFor((m) => m.type === "error" && m.surfaceId === "loaded-extensions");
    expect(refused.type === "error" && refused.message).toContain('has no action "refresh"');
    await stillServes(client);
    await client.close();
  });
});

describe("chat messages", () => {
  it("chat.send streams the turn to the sender with per-turn indexes from user-message", async () => {
    const client = await connect(daemon.wsUrl);
    const id = crypto.randomUUID();
    daemon.model.enqueue(textReply("hello there", { reasoning: "thinking" }));
    client.send({ type: "chat.send", conversationId: id, message: "hi", model: MODEL });
    const events = await client.waitForEvent(id, "turn-sealed");
    expect(events[0]).toMatchObject({ type: "user-message", text: "hi", conversationId: id });
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(["turn-start", "reasoning-delta", "text-delta", "done"]),
    );
    expect(events.at(-1)?.type).toBe("turn-sealed");
    expect(indexes(client, id)).toEqual(events.map((_, i) => i));
    const text = events.flatMap((e) => (e.type === "text-delta" ? [e.delta] : [])).join("");
    expect(text).toBe("hello there");
    await client.close();
  });

  it("a second chat.send while the turn runs is a chat.error and the sender stays subscribed", async () => {
    const client = await connect(daemon.wsUrl);
    const id = crypto.randomUUID();
    held = gate();
    daemon.model.enqueue(toolCallReply("gate", {}), textReply("done"));
    client.send({ type: "chat.send", conversationId: id, message: "first", model: MODEL });
    await client.waitForEvent(id, "tool-call");
    client.send({ type: "chat.send", conversationId: id, message: "second", model: MODEL });
    const error = await client.waitFor(isType("chat.error"));
    expect(error).toMatchObject({ type: "chat.error", conversationId: id });
    expect(error.type === "chat.error" && error.message).toMatch(/already/);
    held.open();
    const events = await client.waitForEvent(id, "turn-sealed");
    expect(events.filter((e) => e.type === "user-message")).toHaveLength(1);
    await client.close();
  });

  it("chat.subscribe to an unknown conversation is fine; chat.unsubscribe stops the deltas", async () => {
    const watcher = await connect(daemon.wsUrl);
    const sender = await connect(daemon.wsUrl);
    const id = crypto.randomUUID();
    watcher.send({ type: "chat.subscribe", conversationId: id });
    await stillServes(watcher);
    daemon.model.enqueue(textReply("one"), textReply("two"));
    sender.send({ type: "chat.send", conversationId: id, message: "a", model: MODEL });
    await watcher.waitForEvent(id, "turn-sealed");
    watcher.send({ type: "chat.unsubscribe", conversationId: id });
    await stillServes(watcher);
    sender.send({ type: "chat.send", conversationId: id, message: "b", model: MODEL });
    await sender.waitForEvent(id, "turn-sealed", 2);
    await stillServes(watcher);
    expect(watcher.events(id).filter((e) => e.type === "turn-sealed")).toHaveLength(1);
    expect(watcher.received.some((m) => m.type === "chat.error")).toBe(false);
    await Promise.all([watcher.close(), sender.close()]);
  });

  it("chat.send without an id gets a server-minted one, visible in the deltas", async () => {
    const client = await connect(daemon.wsUrl);
    daemon.model.enqueue(textReply("ok"));
    client.send({ type: "chat.send", message: "no id", model: MODEL });
    const first = await client.waitFor((m) => m.type === "chat.delta");
    const id = first.type === "chat.delta" ? first.event.conversationId : "";
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await client.waitForEvent(id, "turn-sealed");
    await client.close();
  });

  it("chat.queue and chat.queue.cancel answer chat.error when the queue extension is absent", async () => {
    const client = await connect(daemon.wsUrl);
    client.send({ type: "chat.queue", conversationId: "c-queue", text: "later" });
    const error = await client.waitFor(isType("chat.error"));
    expect(error).toEqual({
      type: "chat.error",
      conversationId: "c-queue",
      message: "the message queue is not available: the server runs without the message-queue extension",
    });
    client.send({ type: "chat.queue.cancel", conversationId: "c-queue", messageId: "m1" });
    await client.waitFor(
      (m) => m.type === "chat.error" && client.received.indexOf(m) > client.received.indexOf(error),
    );
    await client.close();
  });

  it("broadcasts conversation.statusChanged and conversation.open to every client", async () => {
    const bystander = await connect(daemon.wsUrl);
    const sender = await connect(daemon.wsUrl);
    const id = crypto.randomUUID();
    daemon.model.enqueue(textReply("ok"));
    sender.send({ type: "chat.send", conversationId: id, message: "hi", model: MODEL });
    const active = await bystander.waitFor(
      (m) => m.type === "conversation.statusChanged" && m.conversationId === id,
    );
    expect(active).toEqual({
      type: "conversation.statusChanged",
      conversationId: id,
      status: "active",
      workspaceId: "default",
    });
    await bystander.waitFor(
      (m) => m.type === "conversation.statusChanged" && m.conversationId === id && m.status === "idle",
    );
    expect(bystander.events(id)).toEqual([]);

    const opened = await daemon.http(`/conversations/${id}/open`, { method: "POST" });
    expect(opened.status).toBe(200);
    const open = await bystander.waitFor((m) => m.type === "conversation.open");
    expect(open).toEqual({ type: "conversation.open", conversationId: id, workspaceId: "default" });
    await Promise.all([bystander.close(), sender.close()]);
  });
});

describe("bad frames", () => {
  const cases: [string, string, Partial<WsServerMessage>][] = [
    ["not JSON", "{oops", { type: "error" }],
    ["a JSON array", "[1,2]", { type: "error", message: 'frame must be a JSON object with a string "type"' }],
    ["no type", JSON.stringify({ surfaceId: "x" }), { type: "error" }],
    ["an unknown type", JSON.stringify({ type: "surface.list" }), { type: "error" }],
    ["subscribe without surfaceId", JSON.stringify({ type: "subscribe" }), { type: "error" }],
    [
      "invoke without actionId",
      JSON.stringify({ type: "invoke", surfaceId: "s" }),
      { type: "error", surfaceId: "s" },
    ],
    [
      "chat.send without message",
      JSON.stringify({ type: "chat.send", conversationId: "c1" }),
      { type: "chat.error", conversationId: "c1" },
    ],
    [
      "chat.send with a blank message",
      JSON.stringify({ type: "chat.send", message: "  " }),
      { type: "chat.error" },
    ],
    [
      "chat.subscribe without conversationId",
      JSON.stringify({ type: "chat.subscribe" }),
      { type: "chat.error" },
    ],
    [
      "chat.queue without text",
      JSON.stringify({ type: "chat.queue", conversationId: "c1" }),
      { type: "chat.error" },
    ],
    [
      "chat.queue with a workspaceId that is not a slug",
      JSON.stringify({ type: "chat.queue", conversationId: "c1", text: "x", workspaceId: "Not A Slug" }),
      {
        type: "chat.error",
        conversationId: "c1",
        message: "invalid chat.queue: workspaceId: must be a slug of 1-40 lowercase letters, digits or '-'",
      },
    ],
    [
      "a bad reasoning effort",
      JSON.stringify({ type: "chat.send", message: "x", reasoningEffort: "extreme" }),
      { type: "chat.error" },
    ],
  ];

  for (const [name, frame, expected] of cases) {
    it(`answers ${name} and keeps the connection`, async () => {
      const client = await connect(daemon.wsUrl);
      await client.waitFor(isType("catalog"));
      client.send(frame);
      const reply = await client.waitFor((m) => m.type === "error" || m.type === "chat.error");
      expect(reply).toMatchObject(expected);
      expect(
        reply.type === "error" || reply.type === "chat.error" ? reply.message.length : 0,
      ).toBeGreaterThan(10);
      await stillServes(client);
      await client.close();
    });
  }

  it("names the field to fix", async () => {
    const client = await connect(daemon.wsUrl);
    client.send({ type: "chat.send", conversationId: "c1" });
    const reply = await client.waitFor(isType("chat.error"));
    expect(reply.type === "chat.error" && reply.message).toBe(
      "invalid chat.send: message: Invalid input: expected string, received undefined",
    );
    client.send({ type: "teleport" });
    const unknown = await client.waitFor(isType("error"));
    expect(unknown.type === "error" && unknown.message).toMatch(
      /^unknown message type "teleport": expected one of auth, subscribe/,
    );
    await client.close();
  });

  it("answers an oversized frame with an error and keeps the connection", async () => {
    const client = await connect(daemon.wsUrl);
    client.send({ type: "chat.send", message: "x".repeat(5000) });
    const reply = await client.waitFor(isType("error"));
    expect(reply.type === "error" && reply.message).toMatch(
      /^frame too large: \d+ bytes; the limit is 4096 bytes$/,
    );
    await stillServes(client);
    await client.close();
  });

  it("answers a binary frame with an error and keeps the connection", async () => {
    const client = await connect(daemon.wsUrl);
    client.socket.send(new Uint8Array([1, 2, 3]));
    const reply = await client.waitFor(isType("error"));
    expect(reply.type === "error" && reply.message).toContain("binary frames are not accepted");
    await stillServes(client);
    await client.close();
  });

  it("closes with 1009 past the hard frame cap", async () => {
    const client = await connect(daemon.wsUrl);
    client.send("y".repeat(20_000));
    const closed = await client.closed;
    expect(closed.code).toBe(1009);
  });
});

describe("an unknown model on the first message", () => {
  it("reaches the client as an error chat.delta after user-message", async () => {
    const client = await connect(daemon.wsUrl);
    const id = crypto.randomUUID();
    client.send({
      type: "chat.send",
      conversationId: id,
      message: "hello",
      model: "opencode/deepseek-v4-flash",
    });
    const events: AgentEvent[] = await client.waitForEvent(id, "error");
    expect(events.map((e) => e.type)).toEqual(["user-message", "error"]);
    expect(events[1]).toMatchObject({ code: "UNKNOWN_MODEL" });
    expect(indexes(client, id)).toEqual([0, 1]);
    await client.close();
  });
});
