/**
 * Compaction through the daemon: a 200-turn conversation with tool calls compacted by hand (the
 * archive keeps everything, the live history shrinks, no tool call loses its result, the next turn
 * works), automatic compaction at the compact-percent threshold of the model's context window, no
 * rewrite over a turn that ran meanwhile, and in-flight compaction at a step boundary of a turn that
 * would overflow the window.
 */
import { SUMMARY_PREFIX } from "@dispatch/compaction";
import {
  type RecordedRequest,
  type ScriptedModel,
  startScriptedModel,
  textReply,
  toolCallReply,
} from "@dispatch/testkit";
import type { ConversationListResponse, ConversationMeta, StoredChunk } from "@dispatch/transport-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bootDaemon,
  removeDir,
  type SentMessage,
  sentMessages,
  systemPromptOf,
  type TestDaemon,
  tempDir,
  textOf,
  toolCallsPaired,
  until,
} from "./e2e-harness.test.ts";

const CONTEXT_WINDOW = 1_000_000;
const LONG_TURNS = 200;

let model: ScriptedModel;
let dataDir: string;
let d: TestDaemon;

/** Whether a recorded request is a summarizer call (compaction), not a turn. */
function isSummary(request: RecordedRequest): boolean {
  return systemPromptOf(request).includes("compact an AI coding agent's conversation");
}

async function chunksOf(conversationId: string): Promise<StoredChunk[]> {
  return (await d.call<{ chunks: StoredChunk[] }>("GET", `/conversations/${conversationId}`)).body.chunks;
}

async function metaOf(conversationId: string): Promise<ConversationMeta | undefined> {
  const list = await d.call<ConversationListResponse>("GET", `/conversations?q=${conversationId}`);
  return list.body.conversations.find((c) => c.id === conversationId);
}

/** True when every stored tool call has a stored result with its id, after it. */
function storedPairsIntact(chunks: readonly StoredChunk[]): boolean {
  return chunks.every(({ chunk, seq }) => {
    if (chunk.type !== "tool-call") return true;
    return chunks.some(
      (c) => c.chunk.type === "tool-result" && c.chunk.toolCallId === chunk.toolCallId && c.seq > seq,
    );
  });
}

/** A turn that calls `echo` once, with scripted usage on its final step. */
async function toolTurn(conversationId: string, text: string, promptTokens?: number): Promise<void> {
  model.enqueue(
    toolCallReply("echo", { text }),
    textReply(
      `answer ${text}`,
      promptTokens ? { usage: { prompt_tokens: promptTokens, completion_tokens: 10 } } : {},
    ),
  );
  const events = await d.chat({ conversationId, message: text });
  expect(events.at(-1)?.type).toBe("turn-sealed");
}

/** The chat requests (not summaries) whose history contains `marker`. */
function turnRequests(marker: string): RecordedRequest[] {
  return model.requests.filter(
    (r) => !isSummary(r) && sentMessages(r).some((m: SentMessage) => textOf(m).includes(marker)),
  );
}

beforeAll(async () => {
  model = await startScriptedModel({ models: [{ id: "scripted-model", context_length: CONTEXT_WINDOW }] });
  model.respondWith((request) =>
    isSummary(request) ? textReply("The user ran many echo steps.") : undefined,
  );
  dataDir = tempDir("compaction");
  d = await bootDaemon({ model, dataDir });
});
afterAll(async () => {
  await d.stop();
  await model.close();
  removeDir(dataDir);
});

describe("compaction", () => {
  it(`compacts a ${LONG_TURNS}-turn conversation with tool calls without losing anything`, async () => {
    expect((await d.call("PUT", "/conversations/long/compact-percent", { threshold: 0 })).status).toBe(200);
    for (let i = 0; i < LONG_TURNS; i++) await toolTurn("long", `long-${i}`);
    const full = await chunksOf("long");
    expect(full).toHaveLength(LONG_TURNS * 4);

    // keepLastN 2 would start the kept part at a tool result: it moves back to include its call.
    const reply = await d.call<{
      newConversationId: string;
      messagesSummarized: number;
      messagesKept: number;
    }>("POST", "/conversations/long/compact", { keepLastN: 2 });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ messagesSummarized: LONG_TURNS * 4 - 3, messagesKept: 3 });
    const archiveId = reply.body.newConversationId;

    expect(await chunksOf(archiveId)).toEqual(full);
    expect(await metaOf(archiveId)).toMatchObject({ status: "closed", workspaceId: "default" });
    expect((await metaOf("long"))?.compactedFrom).toBe(archiveId);

    const live = await chunksOf("long");
    expect(live.length).toBeLessThan(full.length);
    expect(live.map((c) => c.seq)).toEqual(live.map((_, i) => i + 1));
    const [summary, ...kept] = live;
    expect(summary?.chunk.type === "text" && summary.chunk.text.startsWith(SUMMARY_PREFIX)).toBe(true);
    expect(kept.map((c) => `${c.role}:${c.chunk.type}`)).toEqual([
      "assistant:tool-call",
      "tool:tool-result",
      "assistant:text",
    ]);
    expect(storedPairsIntact(live)).toBe(true);
    expect(storedPairsIntact(await chunksOf(archiveId))).toBe(true);

    await toolTurn("long", "after-compaction");
    const next = turnRequests("after-compaction").at(-1);
    const sent = sentMessages(next).filter((m) => m.role !== "system");
    expect(textOf(sent[0])).toContain("The user ran many echo steps.");
    expect(sent.length).toBeLessThan(10);
    expect(toolCallsPaired(sent)).toBe(true);
  }, 120_000);

  it("compacts automatically after a turn whose context passes compact-percent of the window (default 85)", async () => {
    for (let i = 0; i < 3; i++) await toolTurn("auto", `auto-${i}`);
    await toolTurn("auto", "auto-below", 0.8 * CONTEXT_WINDOW);
    const summariesBefore = model.requests.filter(isSummary).length;
    expect((await metaOf("auto"))?.compactedFrom).toBeUndefined();

    await toolTurn("auto", "auto-above", 0.86 * CONTEXT_WINDOW);
    const meta = await until(async () => {
      const m = await metaOf("auto");
      return m?.compactedFrom ? m : undefined;
    }, "automatic compaction");
    expect(model.requests.filter(isSummary)).toHaveLength(summariesBefore + 1);
    const archive = await chunksOf(meta.compactedFrom ?? "");
    expect(archive).toHaveLength(20);
    const live = await chunksOf("auto");
    expect(live.length).toBeLessThan(archive.length);
    expect(storedPairsIntact(live)).toBe(true);

    await toolTurn("auto", "auto-next");
    const sent = sentMessages(turnRequests("auto-next").at(-1)).filter((m) => m.role !== "system");
    expect(textOf(sent[0])).toContain("The user ran many echo steps.");
    expect(toolCallsPaired(sent)).toBe(true);
  });

  it("never compacts automatically when compact-percent is 0", async () => {
    await d.call("PUT", "/conversations/manual-only/compact-percent", { threshold: 0 });
    for (let i = 0; i < 3; i++) await toolTurn("manual-only", `manual-${i}`);
    await toolTurn("manual-only", "manual-full", 0.99 * CONTEXT_WINDOW);
    // Any automatic compaction would have sent its summary request before this next turn ends.
    await toolTurn("manual-only", "manual-after");
    expect((await metaOf("manual-only"))?.compactedFrom).toBeUndefined();
    expect(model.requests.filter(isSummary).some((r) => JSON.stringify(r.body).includes("manual-full"))).toBe(
      false,
    );
  });

  it("gives up (409) rather than drop a turn that appended while the summary was being written", async () => {
    for (let i = 0; i < 3; i++) await toolTurn("racing", `racing-${i}`);
    const before = await chunksOf("racing");
    // The summary is slow; a turn runs to completion while it is being written.
    model.respondWith((request) =>
      isSummary(request) ? textReply("A slow summary.", { firstTokenDelayMs: 1000 }) : undefined,
    );
    const start = model.requests.length;
    const compacting = d.call("POST", "/conversations/racing/compact", { keepLastN: 2 });
    await model.waitForRequests(start + 1);
    await toolTurn("racing", "racing-during");
    const reply = await compacting;
    model.respondWith((request) =>
      isSummary(request) ? textReply("The user ran many echo steps.") : undefined,
    );

    expect(reply).toEqual({
      status: 409,
      body: { error: expect.stringContaining("changed while it was being compacted") },
    });
    const after = await chunksOf("racing");
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toHaveLength(before.length + 4);
    expect((await metaOf("racing"))?.compactedFrom).toBeUndefined();
  });

  it("compacts at a step boundary when the next request would overflow the window, and the turn completes", async () => {
    for (let i = 0; i < 3; i++) await toolTurn("overflow", `overflow-${i}`);
    const usage = (prompt: number) => ({ usage: { prompt_tokens: prompt, completion_tokens: 20 } });
    model.enqueue(
      toolCallReply("echo", { text: "step one" }, usage(100_000)),
      toolCallReply("echo", { text: "step two" }, usage(0.95 * CONTEXT_WINDOW)),
      toolCallReply("echo", { text: "step three" }, usage(20_000)),
      textReply("long run finished", usage(21_000)),
    );
    const start = model.requests.length;
    const events = await d.chat({ conversationId: "overflow", message: "long agent run" });

    expect(events.find((e) => e.type === "done")).toMatchObject({ reason: "stop" });
    expect(events.at(-1)?.type).toBe("turn-sealed");
    expect(events.filter((e) => e.type === "error")).toEqual([]);

    const requests = model.requests.slice(start);
    const turn = requests.filter((r) => !isSummary(r));
    expect(turn).toHaveLength(4);
    expect(requests.filter(isSummary)).toHaveLength(1);
    // The summary was asked for between step two and step three.
    expect(requests.findIndex(isSummary)).toBe(requests.indexOf(turn[2] as RecordedRequest) - 1);
    const [one, two, three, four] = turn.map((r) => sentMessages(r).filter((m) => m.role !== "system"));
    expect((two ?? []).length).toBeGreaterThan((one ?? []).length);
    expect((three ?? []).length).toBeLessThan((two ?? []).length);
    expect(textOf(three?.[0])).toContain("The user ran many echo steps.");
    for (const sent of [one, two, three, four]) expect(toolCallsPaired(sent ?? [])).toBe(true);

    const meta = await metaOf("overflow");
    expect(meta?.compactedFrom).toBeDefined();
    const live = await chunksOf("overflow");
    expect(storedPairsIntact(live)).toBe(true);
    expect(live.at(-1)?.chunk).toEqual({ type: "text", text: "long run finished" });
    const archive = await chunksOf(meta?.compactedFrom ?? "");
    expect(archive.some((c) => c.chunk.type === "text" && c.chunk.text === "overflow-0")).toBe(true);
  });
});
