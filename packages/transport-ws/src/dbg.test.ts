import { textReply } from "@dispatch/testkit";
import { it } from "vitest";
import { connect, MODEL, startTestDaemon } from "./harness.test.ts";

it("dbg", async () => {
  const d = await startTestDaemon();
  const c = await connect(d.wsUrl);
  d.model.enqueue(textReply("hello"));
  c.send({ type: "chat.send", conversationId: "x1", message: "hi", model: MODEL });
  await c.waitForEvent("x1", "error");
  console.log(JSON.stringify(c.received, null, 1));
  await d.close();
});
