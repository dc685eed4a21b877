/**
 * Observability through the real daemon: the journal and the supervised collector produce a trace
 * the `trace` CLI can read, secrets never reach the journal or the trace store, and a crash-looping
 * collector never stops the daemon from serving.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ScriptedModel, startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import { runTraceCli } from "@dispatch/trace-store";
import type { AgentEvent } from "@dispatch/transport-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonProcess, readNdjson, spawnDaemon, TEST_TOOLS_EXTENSION } from "./spawn-daemon.ts";

const PROVIDER_KEY = "sk-planted-provider-key-4f9c2e7a";
const DAEMON_TOKEN = "planted-daemon-token-8d1b3c5e";
const ENV_SECRET = "planted-env-secret-2a6f0d9b";

async function turn(daemon: DaemonProcess, conversationId: string, message: string): Promise<AgentEvent[]> {
  const res = await daemon.fetch("/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ conversationId, message }),
  });
  const events: AgentEvent[] = [];
  for await (const event of readNdjson<AgentEvent>(res)) events.push(event);
  return events;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("journal, collector and trace", () => {
  let model: ScriptedModel;
  let dataDir: string;
  let turnId = "";

  beforeAll(async () => {
    model = await startScriptedModel();
    dataDir = mkdtempSync(join(tmpdir(), "dispatch-obs-"));
    const daemon = await spawnDaemon({
      dataDir,
      env: {
        DISPATCH_BASE_URL: model.baseURL,
        DISPATCH_API_KEY: PROVIDER_KEY,
        DISPATCH_TOKEN: DAEMON_TOKEN,
        DISPATCH_MODEL: "scripted-model",
        DISPATCH_EXTERNAL_EXTENSIONS: TEST_TOOLS_EXTENSION,
        MY_SERVICE_SECRET: ENV_SECRET,
      },
    });
    model.enqueue(
      toolCallReply("echo", { text: "hi" }),
      textReply("It said hi.", { usage: { prompt_tokens: 120, completion_tokens: 5, cached_tokens: 64 } }),
    );
    const events = await turn(daemon, "obs-1", `please echo hi (my key is ${PROVIDER_KEY})`);
    expect(events.at(-1)?.type).toBe("turn-sealed");
    turnId = (events[0] as { turnId: string }).turnId;
    // A clean stop drains the collector into the trace store.
    expect(await daemon.stop()).toBe(0);
  });
  afterAll(async () => {
    await model.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("collects the turn into the trace store and prints its timeline", () => {
    let out = "";
    const code = runTraceCli(["show", turnId], {
      stdout: (text) => {
        out += text;
      },
      stderr: () => {},
      dbPath: join(dataDir, "traces.db"),
    });
    expect(code).toBe(0);
    for (const name of ["turn", "step", "prompt", "provider.request", "tool-call"])
      expect(out).toContain(name);
    expect(out).toMatch(/\d+(\.\d+)?\s*ms/);
  });

  it("writes no secret into the journal or the trace store", () => {
    const files = filesUnder(dataDir).filter((f) => !f.endsWith("/token"));
    expect(files.some((f) => f.includes("journal"))).toBe(true);
    expect(files.some((f) => f.endsWith("traces.db"))).toBe(true);
    for (const file of files) {
      if (file.endsWith("dispatch.db") || file.includes("dispatch.db-")) continue; // the conversation itself
      const bytes = readFileSync(file).toString("latin1");
      for (const secret of [PROVIDER_KEY, DAEMON_TOKEN, ENV_SECRET]) {
        expect(bytes.includes(secret), `${secret} in ${file}`).toBe(false);
      }
    }
  });
});

describe("a crash-looping collector", () => {
  it("does not stop the daemon from serving, and the log says the collector is down", async () => {
    const model = await startScriptedModel();
    const dataDir = mkdtempSync(join(tmpdir(), "dispatch-obs-down-"));
    // A directory where the trace database should be: the collector fails at every start.
    const badDb = join(dataDir, "not-a-db");
    mkdirSync(badDb);
    const daemon = await spawnDaemon({
      dataDir,
      env: { DISPATCH_BASE_URL: model.baseURL, DISPATCH_MODEL: "scripted-model", DISPATCH_TRACE_DB: badDb },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const events = await turn(daemon, `down-${i}`, "still serving?");
        expect(events.at(-1)?.type).toBe("turn-sealed");
      }
      const deadline = Date.now() + 10_000;
      while (!daemon.stderr().includes("observability collector is down") && Date.now() < deadline) {
        await Bun.sleep(50);
      }
      expect(daemon.stderr()).toContain("observability collector is down");
      expect((await fetch(`${daemon.url}/health`)).status).toBe(200);
      expect(await daemon.stop()).toBe(0);
    } finally {
      await model.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
