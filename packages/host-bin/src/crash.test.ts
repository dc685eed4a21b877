/**
 * Crash safety: the daemon is SIGKILLed mid-stream 20 times. After each restart every chunk the
 * client had already seen as persisted is still there, unchanged; no tool call is left without a
 * result; SQLite's integrity check passes; and the conversation goes on with a new turn.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ScriptedModel, startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import type { AgentEvent, ConversationHistoryResponse, StoredChunk } from "@dispatch/transport-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonProcess, readNdjson, spawnDaemon, TEST_TOOLS_EXTENSION } from "./spawn-daemon.ts";

const KILLS = Number(process.env.KILLS ?? 20);
const CONVERSATION = "crash-me";

describe("SIGKILL mid-stream", () => {
  let model: ScriptedModel;
  /** The last turn must finish, so it never calls the `wait` tool. */
  let finalTurn = false;
  let dataDir: string;

  beforeAll(async () => {
    model = await startScriptedModel();
    // Each turn: a tool call (alternately one that finishes and one that waits forever), then a
    // long slowly streamed answer, so kills land before, during and after persistence points.
    let turn = 0;
    finalTurn = false;
    model.respondWith((request) => {
      const messages = (request.body as { messages: { role: string }[] }).messages;
      if (messages.at(-1)?.role === "tool") {
        return textReply(
          Array.from({ length: 40 }, (_, i) => `word${i} `),
          { tokenDelayMs: 3 },
        );
      }
      turn += 1;
      return toolCallReply(turn % 3 === 0 && !finalTurn ? "wait" : "echo", { text: `turn ${turn}` });
    });
    dataDir = mkdtempSync(join(tmpdir(), "dispatch-crash-"));
  });
  afterAll(async () => {
    await model.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    DISPATCH_BASE_URL: model.baseURL,
    DISPATCH_MODEL: "scripted-model",
    DISPATCH_EXTERNAL_EXTENSIONS: TEST_TOOLS_EXTENSION,
  });

  async function history(daemon: DaemonProcess): Promise<StoredChunk[]> {
    const res = await daemon.fetch(`/conversations/${CONVERSATION}?includeRunning=true`);
    return ((await res.json()) as ConversationHistoryResponse).chunks;
  }

  it("loses no acknowledged chunk and leaves no dangling tool call", async () => {
    let acknowledged: StoredChunk[] = [];
    for (let i = 0; i < KILLS; i++) {
      const daemon = await spawnDaemon({ dataDir, env: env() });
      const after = await history(daemon);
      // Everything seen as persisted before the previous kill survived, byte for byte.
      expect(after.slice(0, acknowledged.length)).toEqual(acknowledged);
      expect(after.map((c) => c.seq)).toEqual(after.map((_, k) => k + 1));
      expectNoDanglingCalls(after);

      const res = await daemon.fetch("/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ conversationId: CONVERSATION, message: `message ${i}` }),
      });
      const stopAfter = 2 + Math.floor(Math.random() * 30);
      let seen = 0;
      for await (const event of readNdjson<AgentEvent>(res)) {
        seen += 1;
        if (seen >= stopAfter || event.type === "tool-output" || event.type === "turn-sealed") break;
      }
      acknowledged = await history(daemon);
      await Bun.sleep(Math.floor(Math.random() * 15));
      await daemon.kill();

      const db = new Database(join(dataDir, "dispatch.db"));
      expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      db.close();
    }

    finalTurn = true;
    const daemon = await spawnDaemon({ dataDir, env: env() });
    const final = await history(daemon);
    expect(final.slice(0, acknowledged.length)).toEqual(acknowledged);
    expectNoDanglingCalls(final);
    const res = await daemon.fetch("/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ conversationId: CONVERSATION, message: "still there?" }),
    });
    const events: AgentEvent[] = [];
    for await (const event of readNdjson<AgentEvent>(res)) events.push(event);
    expect(events.at(-1)?.type).toBe("turn-sealed");
    const status = await (await daemon.fetch(`/conversations/${CONVERSATION}/status`)).json();
    expect(status).toMatchObject({ isActive: false, status: "idle" });
    expect(await daemon.stop()).toBe(0);
  }, 180_000);
});

function expectNoDanglingCalls(chunks: StoredChunk[]): void {
  const results = new Map<string, number>();
  for (const { seq, chunk } of chunks) if (chunk.type === "tool-result") results.set(chunk.toolCallId, seq);
  for (const { seq, chunk } of chunks) {
    if (chunk.type !== "tool-call") continue;
    const resultSeq = results.get(chunk.toolCallId);
    expect(resultSeq, `tool call ${chunk.toolCallId} has a result`).toBeDefined();
    expect(resultSeq ?? 0).toBeGreaterThan(seq);
  }
}
