/**
 * The todo surface with the real todo extension: when the model calls `todo_write`, every
 * subscriber of that conversation's Tasks surface gets the new list.
 */
import { textReply, toolCallReply } from "@dispatch/testkit";
import { createTodoExtension } from "@dispatch/todo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type TestClient } from "../clients.test.ts";
import { MODEL, startTestDaemon, type TestDaemon } from "../harness.test.ts";
import { createTodoSurfaceExtension } from "./todo.ts";

let daemon: TestDaemon;

beforeAll(async () => {
  daemon = await startTestDaemon({ extensions: [createTodoExtension(), createTodoSurfaceExtension()] });
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

describe("todo surface", () => {
  it("updates the conversation's Tasks when the model writes its list", async () => {
    const id = crypto.randomUUID();
    const watcher = await subscribed("todo", id);
    const todos = [
      { content: "read the code", status: "completed" },
      { content: "write the tests", status: "in_progress" },
    ];
    daemon.model.enqueue(toolCallReply("todo_write", { todos }), textReply("listed"));
    watcher.send({ type: "chat.send", conversationId: id, message: "plan it", model: MODEL });
    const update = await watcher.waitFor((m) => m.type === "update" && m.update.surfaceId === "todo");
    expect(update).toMatchObject({
      update: {
        conversationId: id,
        spec: { title: "Tasks", fields: [{ kind: "custom", rendererId: "todo", payload: { todos } }] },
      },
    });
    await watcher.waitForEvent(id, "turn-sealed");
    await watcher.close();
  });
});
