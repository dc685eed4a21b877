/**
 * End to end with the real parts: a two-step turn of the real kernel loop and the real
 * OpenAI-compatible provider (against the scripted model server) logged through the real journal
 * sink, ingested by the collector loop, then read back with the `trace` CLI (timeline and step diff).
 * The provider key must appear nowhere.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApiKeyService } from "@dispatch/auth-apikey";
import { createJournalSink } from "@dispatch/journal-sink";
import { createLogger, nullLogger, runTurn, type Tool } from "@dispatch/kernel";
import { createOpenAICompatProvider } from "@dispatch/provider-openai-compat";
import { type ScriptedModel, startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import { createTraceStore, runTraceCli } from "@dispatch/trace-store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCollector } from "./collector.ts";

const PROVIDER_KEY = "sk-e2e-provider-key-0123456789";

let dir: string;
let model: ScriptedModel;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "real-turn-"));
  model = await startScriptedModel();
});

afterEach(async () => {
  await model.close();
  rmSync(dir, { recursive: true, force: true });
});

const readFile: Tool = {
  name: "read_file",
  description: "Reads a file",
  inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  execute: async () => ({ content: "buy milk" }),
};

function trace(db: string, ...argv: string[]): string {
  let out = "";
  const code = runTraceCli(argv, {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      out += text;
    },
    dbPath: db,
  });
  expect(code).toBe(0);
  return out;
}

describe("a real turn through journal, collector and trace", () => {
  it("shows a readable timeline and diffs the two steps' request bodies", async () => {
    const journal = join(dir, "journal", "app.ndjson");
    const db = join(dir, "traces.db");
    model.enqueue(
      toolCallReply(
        "read_file",
        { path: "notes.txt" },
        { usage: { prompt_tokens: 120, completion_tokens: 12 } },
      ),
      textReply("It says buy milk.", {
        usage: { prompt_tokens: 180, completion_tokens: 6, cached_tokens: 100 },
      }),
    );
    const sink = createJournalSink({ path: journal, fsyncIntervalMs: 0, secrets: () => [PROVIDER_KEY] });
    let id = 0;
    const logger = createLogger({
      sink,
      now: Date.now,
      newId: () => {
        id += 1;
        return `span-${id}`;
      },
      extensionId: "session-orchestrator",
    });
    const keys = createApiKeyService({ test: { baseURL: model.baseURL, apiKey: PROVIDER_KEY } });
    const result = await runTurn({
      conversationId: "conv-e2e",
      turnId: "turn-e2e",
      provider: createOpenAICompatProvider({ id: "openai-compat", credential: "test", keys }),
      model: "scripted-model",
      messages: [{ role: "user", chunks: [{ type: "text", text: "What is in notes.txt?" }] }],
      tools: [readFile],
      systemPrompt: "You are a test agent.",
      signal: new AbortController().signal,
      emit: () => {},
      logger,
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    sink.close();
    expect(result.finishReason).toBe("stop");

    const stopped = new AbortController();
    stopped.abort();
    await runCollector({ journalPath: journal, dbPath: db, signal: stopped.signal, logger: nullLogger });

    const timeline = trace(db, "show", "turn-e2e");
    const lines = timeline.split("\n");
    expect(lines[0]).toMatch(/^turn turn-e2e {2}conversation conv-e2e {2}started \S+ {2}\S+ ok {2}2 steps/);
    expect(lines[0]).toContain("tokens in 300 (cached 100) out 18");
    expect(timeline).toMatch(/ {4}step {2}0 {2}finish=tool-calls {2}in 120 out 12\n/);
    expect(timeline).toMatch(
      / {6}provider\.request {2}model=scripted-model {2}http=200 {2}finish=tool-calls {2}in 120 out 12 {2}body \d+ B #[0-9a-f]{12}/,
    );
    expect(timeline).toMatch(/ {6}tool-call {2}read_file\n/);
    expect(timeline).toMatch(/ {6}ttft\n/);
    expect(timeline).toMatch(/ {4}step {2}1 {2}finish=stop {2}in 180 \(cached 100\) out 6\n/);

    const diff = trace(db, "diff", "--turn", "turn-e2e", "--steps", "0", "1");
    expect(diff).toMatch(/^--- step 0 [0-9a-f]{12}\n\+\+\+ step 1 [0-9a-f]{12}\n@@ /);
    expect(diff).toContain('+      "role": "tool",');
    expect(diff).toMatch(/\n\+ {6}"tool_call_id": "call_\w+",\n/);
    expect(diff).toContain('+            "name": "read_file",');

    const stored = createTraceStore({ path: db });
    const bodies = stored.findIds("", 1000).map((found) => stored.getBody(found) ?? "");
    stored.close();
    const journalText = readdirSync(join(dir, "journal"))
      .map((name) => readFileSync(join(dir, "journal", name), "utf8"))
      .join("");
    expect(journalText).toContain("provider.request");
    for (const text of [journalText, bodies.join(""), timeline]) expect(text).not.toContain(PROVIDER_KEY);
  });
});
