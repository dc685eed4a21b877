import { startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import { it } from "vitest";
import { runCli, startTestDaemon, tempDir, TEST_TOOLS_EXTENSION } from "./test-daemon.ts";
it("smoke", async () => {
  const model = await startScriptedModel();
  const dataDir = tempDir();
  const daemon = await startTestDaemon({ dataDir, env: { DISPATCH_BASE_URL: model.baseURL, DISPATCH_MODEL: "scripted-model", DISPATCH_EXTERNAL_EXTENSIONS: TEST_TOOLS_EXTENSION } });
  const env = { DISPATCH_SERVER: daemon.url, DISPATCH_DATA_DIR: dataDir };
  model.enqueue(toolCallReply("echo", { text: "hi" }), textReply("Hello from the model.", { reasoning: "thinking" }));
  console.log(await runCli(["opencode/scripted-model", "--text", "hello", "--show-reasoning"], { env }));
  console.log(await runCli(["list"], { env }));
  console.log(await runCli(["models"], { env }));
  console.log(await runCli(["status"], { env }));
  console.log(await runCli(["doctor"], { env }));
  console.log(await runCli(["opencode/scripted-model", "--json"], { env, stdin: "from stdin" }));
  await daemon.stop(); await model.close();
}, 60000);
