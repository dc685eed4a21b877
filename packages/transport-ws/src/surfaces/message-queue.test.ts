/**
 * The message-queue surface with the real message-queue extension: a message queued while a turn
 * runs appears in the conversation's surface and leaves it when cancelled; `chat.queue` on an idle
 * conversation starts a turn the sender watches.
 */
import { createMessageQueueExtension, messageQueueService } from "@dispatch/message-queue";
import { textReply, toolCallReply } from "@dispatch/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type TestClient } from "../clients.test.ts";
import { gate, gateToolExtension, MODEL, startTestDaemon, type TestDaemon } from "../harness.test.ts";
import type { WsServerMessage } from "../protocol.ts";
import { createMessageQueueSurfaceExtension } from "./message-queue.ts";

let daemon: TestDaemon;
let held = gate();

beforeAll(async () => {
  daemon = await startTestDaemon({
    extensions: [
      gateToolExtension(() => held),
      createMessageQueueExtension(),
      createMessageQueueSurfaceExtension(),
    ],
  });
});

afterAll(async () => {
  await daemon.close();
});

async function subscribed(surfaceId: string, conversationId: string): Promise<TestClient> {
  const client = await connect(daemon.wsUrl);
  client.send({ type: "subscribe", surfaceId, conversationId });
  await client.waitFor((m) => m.type === "surface" && m.spec.id === surfaceId);
  return client;
}

describe("message-queue surface", () => {
  it("shows a message queued while a turn runs, and its cancellation", async () => {
    const id = crypto.randomUUID();
    const watcher = await subscribed("message-queue", id);
    expect(watcher.received.find((m) => m.type === "surface")).toMatchObject({
      conversationId: id,
      spec: { fields: [{ kind: "custom", rendererId: "message-queue", payload: { messages: [] } }] },
    });
    const sender = await connect(daemon.wsUrl);
    held = gate();
    daemon.model.enqueue(toolCallReply("gate", {}), textReply("done"));
    sender.send({ type: "chat.send", conversationId: id, message: "work", model: MODEL });
    await sender.waitForEvent(id, "tool-call");

    sender.send({ type: "chat.queue", conversationId: id, text: "also this" });
    const queued = await watcher.waitFor((m) => m.type === "update");
    const messages = queuePayload(queued);
    expect(messages.map((m) => m.text)).toEqual(["also this"]);
    const queue = daemon.host.api.getService(messageQueueService);
    expect(queue.list(id).map((m) => m.id)).toEqual(messages.map((m) => m.id));

    sender.send({ type: "chat.queue.cancel", conversationId: id, messageId: messages[0]?.id ?? "" });
    const cancelled = await watcher.waitFor((m) => m.type === "update" && queuePayload(m).length === 0);
    expect(cancelled).toMatchObject({ update: { surfaceId: "message-queue", conversationId: id } });
    held.open();
    await sender.waitForEvent(id, "turn-sealed");
    await Promise.all([watcher.close(), sender.close()]);
  });

  it("chat.queue on an idle conversation starts a turn the sender watches", async () => {
    const id = crypto.randomUUID();
    const sender = await connect(daemon.wsUrl);
    daemon.model.enqueue(textReply("started from the queue"));
    sender.send({ type: "chat.queue", conversationId: id, text: "start please" });
    const events = await sender.waitForEvent(id, "turn-sealed");
    expect(events[0]).toMatchObject({ type: "user-message", text: "start please" });
    await sender.close();
  });
});

function queuePayload(message: WsServerMessage): { id: string; text: string }[] {
  if (message.type !== "update") return [];
  const field = message.update.spec.fields[0];
  if (field?.kind !== "custom") return [];
  return (field.payload as { messages: { id: string; text: string }[] }).messages;
}
