/**
 * What every turn sends about the bundled tools (name, description, JSON schema), on the daemon
 * booted in process: it stays in Latin-1. One character outside it (an arrow in a description was
 * one) makes every prompt and request body of every turn a two-byte string in JavaScriptCore:
 * twice the memory, and serialising it for the journal and the provider takes twice as long.
 */
import { type ScriptedModel, startScriptedModel } from "@dispatch/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootDaemon, removeDir, type TestDaemon, tempDir } from "./e2e-harness.test.ts";

let dataDir: string;
let model: ScriptedModel;
let daemon: TestDaemon;

beforeAll(async () => {
  dataDir = tempDir("dispatch-tool-specs-");
  model = await startScriptedModel();
  daemon = await bootDaemon({ model, dataDir });
});

afterAll(async () => {
  await daemon?.stop();
  await model?.close();
  removeDir(dataDir);
});

const outsideLatin1 = (text: string) => [...new Set([...text].filter((char) => char.charCodeAt(0) > 0xff))];

describe("bundled tool specs", () => {
  it("are Latin-1 in name, description and JSON schema", () => {
    const tools = daemon.daemon.host.api.tools();
    expect(tools.length).toBeGreaterThan(5);
    for (const tool of tools) {
      const spec = JSON.stringify({
        name: tool.name,
        description: tool.description,
        schema: tool.inputSchema,
      });
      expect({ tool: tool.name, outside: outsideLatin1(spec) }).toEqual({ tool: tool.name, outside: [] });
    }
  });
});
