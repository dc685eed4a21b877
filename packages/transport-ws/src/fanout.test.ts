/**
 * Turn continuity: one conversation watched by two WebSocket clients and one `POST /chat` NDJSON
 * stream — all three get the same events in the same order; a client that subscribes mid-turn gets
 * the replay from `user-message` then live events, with no duplicate and no gap (checked with the
 * per-turn `index`); closing a watcher mid-turn does not abort the turn.
 */
import { textReply, toolCallReply } from "@dispatch/testkit";
import type { AgentEvent } from "@dispatch/wire";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, readNdjson, type TestClient } from "./clients.test.ts";
import { gate, gateToolExtension, MODEL, startTestDaemon, type TestDaemon } from "./harness.test.ts";

let daemon: TestDaemon;
let held = gate();

beforeAll(async () => {
  daemon = await startTestDaemon({ extensions: [gateToolExtension(() => held)] });
});

afterAll(async () => {
  await daemon.close();
});

function deltas(client: TestClient, conversationId: string): { event: AgentEvent; index?: number }[] {
  return client.received.flatMap((m) =>
    m.type === "chat.delta" && m.event.conversationId === conversationId
      ? [{ event: m.event, index: m.index }]
      : [],
  );
}

describe("one turn, many watchers", () => {
  it("gives two sockets and an NDJSON stream the same events in the same order; a late joiner misses nothing", async () => {
    const id = crypto.randomUUID();
    const a = await connect(daemon.wsUrl);
    const b = await connect(daemon.wsUrl);
    a.send({ type: "chat.subscribe", conversationId: id });
    b.send({ type: "chat.subscribe", conversationId: id });
    await Promise.all([a.waitFor((m) => m.type === "catalog"), b.waitFor((m) => m.type === "catalog")]);

    held = gate();
    daemon.model.enqueue(
      toolCallReply("gate", {}, { text: "Let me wait.", reasoning: "a gate" }),
      textReply("The gate opened, all done."),
    );
    const response = await daemon.http("/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ conversationId: id, message: "wait for the gate", model: MODEL }),
    });
    expect(response.status).toBe(200);
    const ndjson = readNdjson(response);

    // Mid-turn: the tool is blocked on the gate. A third client joins; one watcher leaves.
    await a.waitForEvent(id, "tool-call");
    const late = await connect(daemon.wsUrl);
    late.send({ type: "chat.subscribe", conversationId: id });
    await late.waitForEvent(id, "tool-call");
    const replayed = deltas(late, id).length;
    const quitter = await connect(daemon.wsUrl);
    quitter.send({ type: "chat.subscribe", conversationId: id });
    await quitter.waitForEvent(id, "tool-call");
    await quitter.close();
    held.open();

    const fromNdjson = await ndjson;
    const fromA = await a.waitForEvent(id, "turn-sealed");
    const fromB = await b.waitForEvent(id, "turn-sealed");
    const fromLate = await late.waitForEvent(id, "turn-sealed");

    expect(fromNdjson[0]?.type).toBe("user-message");
    expect(fromNdjson.at(-1)?.type).toBe("turn-sealed");
    expect(fromNdjson.find((e) => e.type === "done")).toMatchObject({ reason: "stop" });
    expect(fromA).toEqual(fromNdjson);
    expect(fromB).toEqual(fromNdjson);
    expect(fromLate).toEqual(fromNdjson);

    // The late joiner: a replay from user-message, then live events, indexes 0..n-1 without repeats.
    expect(replayed).toBeGreaterThanOrEqual(3);
    expect(replayed).toBeLessThan(fromNdjson.length);
    for (const client of [a, b, late]) {
      expect(deltas(client, id).map((d) => d.index)).toEqual(fromNdjson.map((_, i) => i));
    }
    await Promise.all([a.close(), b.close(), late.close()]);
  });

  it("keeps the turn going when every watcher disconnects", async () => {
    const id = crypto.randomUUID();
    const sender = await connect(daemon.wsUrl);
    held = gate();
    daemon.model.enqueue(toolCallReply("gate", {}), textReply("finished alone"));
    sender.send({ type: "chat.send", conversationId: id, message: "go", model: MODEL });
    await sender.waitForEvent(id, "tool-call");
    await sender.close();
    held.open();

    // `/last` waits for the running turn to seal, then answers with its final text.
    const last = await (await daemon.http(`/conversations/${id}/last`)).json();
    expect(last).toMatchObject({ conversationId: id, content: "finished alone" });
  });
});
