import { startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import { it, expect } from "vitest";
import { bootDaemon, tempDir, removeDir } from "./e2e-harness.test.ts";
it("smoke", async () => {
  const model = await startScriptedModel();
  const dir = tempDir("smoke");
  const t0 = Date.now();
  const d = await bootDaemon({ model, dataDir: dir });
  console.log("boot ms", Date.now() - t0);
  const t1 = Date.now();
  for (let i = 0; i < 20; i++) {
    model.enqueue(toolCallReply("echo", { text: "x" }), textReply("done"));
    const events = await d.chat({ conversationId: "c1", message: `hi ${i}` });
    expect(events.at(-1)?.type).toBe("turn-sealed");
  }
  console.log("20 turns ms", Date.now() - t1);
  console.log(JSON.stringify(await d.call("GET", "/workspaces")));
  console.log(JSON.stringify(await d.call("GET", "/metrics/throughput")));
  console.log(JSON.stringify(await d.call("GET", "/system-prompt")));
  console.log(JSON.stringify(model.requests[0]?.body).slice(0, 600));
  await d.stop();
  await model.close();
  removeDir(dir);
}, 60000);
