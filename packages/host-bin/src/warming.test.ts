/**
 * Cache warming through the daemon (DISPATCH_CACHE_WARMING=on, a 1 s interval): after a turn the
 * probe fires on schedule, replays the turn's exact prompt prefix with a one-token reply and reports
 * the provider's cache usage; a starting turn cancels the timer and closing the conversation
 * disables it; `POST /chat/warm` answers 409 while a turn runs.
 */
import { type WarmResult, warmCompleted } from "@dispatch/session-orchestrator";
import { surfaceRegistryService } from "@dispatch/surface-registry";
import {
  type RecordedRequest,
  type ScriptedModel,
  startScriptedModel,
  textReply,
  toolCallReply,
} from "@dispatch/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bootDaemon,
  gate,
  openChat,
  readUntil,
  removeDir,
  sentBody,
  sentMessages,
  type TestDaemon,
  tempDir,
  textOf,
  until,
} from "./e2e-harness.test.ts";

const PROBE = "reply with just a .";
const PROBE_USAGE = { prompt_tokens: 5000, completion_tokens: 1, cached_tokens: 4096 };

let model: ScriptedModel;
let dataDir: string;
let d: TestDaemon;
const warmed: { conversationId: string; result: WarmResult }[] = [];

function isProbe(request: RecordedRequest): boolean {
  const last = sentMessages(request).at(-1);
  return last?.role === "user" && textOf(last) === PROBE;
}

/** Probes sent for a conversation (recognized by a message only its history holds). */
function probesFor(marker: string): RecordedRequest[] {
  return model.requests.filter((r) => isProbe(r) && sentMessages(r).some((m) => textOf(m).includes(marker)));
}

/** The `nextWarmAt` the conversation's cache-warming surface shows (null: no timer armed). */
async function nextWarmAt(conversationId: string): Promise<number | null> {
  const registry = d.daemon.host.api.getService(surfaceRegistryService);
  const spec = await registry.getSpec("cache-warming", { conversationId });
  for (const field of spec.fields) {
    if (field.kind === "custom" && field.rendererId === "cache-warming-timer") {
      return (field.payload as { nextWarmAt: number | null }).nextWarmAt;
    }
  }
  throw new Error("the cache-warming surface has no timer field");
}

async function toolTurn(conversationId: string, message: string): Promise<RecordedRequest[]> {
  const start = model.requests.length;
  model.enqueue(toolCallReply("echo", { text: message }), textReply(`answer to ${message}`));
  const events = await d.chat({ conversationId, message });
  expect(events.at(-1)?.type).toBe("turn-sealed");
  return model.requests.slice(start, start + 2);
}

beforeAll(async () => {
  model = await startScriptedModel();
  model.respondWith((request) => (isProbe(request) ? textReply(".", { usage: PROBE_USAGE }) : undefined));
  dataDir = tempDir("warming");
  d = await bootDaemon({
    model,
    dataDir,
    env: { DISPATCH_CACHE_WARMING: "on", DISPATCH_CACHE_WARM_INTERVAL_S: "1", DISPATCH_CACHE_WARM_MAX: "1" },
  });
  d.daemon.host.api.on(
    warmCompleted,
    ({ conversationId, result }) => void warmed.push({ conversationId, result }),
  );
});
afterAll(async () => {
  await d.stop();
  await model.close();
  removeDir(dataDir);
});

describe("cache warming", () => {
  it("fires after a turn, replays the exact prompt prefix with one output token, and reports cache usage", async () => {
    const [, last] = await toolTurn("warm-a", "marker-a");
    const armedAt = await nextWarmAt("warm-a");
    expect(armedAt).toEqual(expect.any(Number));

    const probe = await until(() => probesFor("marker-a")[0], "the scheduled probe");
    const turnBody = sentBody(last);
    const probeBody = sentBody(probe);
    expect(probeBody.model).toBe(turnBody.model);
    expect(probeBody.tools).toEqual(turnBody.tools);
    expect(probeBody.reasoning_effort).toBe(turnBody.reasoning_effort);
    expect(probeBody.max_tokens ?? probeBody.max_completion_tokens).toBe(1);
    // The prefix is byte-identical: the turn's last request, then its answer, then the probe.
    const sent = sentMessages(last);
    const replayed = sentMessages(probe);
    expect(JSON.stringify(replayed.slice(0, sent.length))).toBe(JSON.stringify(sent));
    expect(replayed.slice(sent.length).map((m) => `${m.role}:${textOf(m)}`)).toEqual([
      "assistant:answer to marker-a",
      `user:${PROBE}`,
    ]);

    const report = await until(() => warmed.find((w) => w.conversationId === "warm-a"), "warmCompleted");
    expect(report.result).toEqual({
      inputTokens: 5000,
      outputTokens: 1,
      cacheReadTokens: 4096,
      cacheWriteTokens: 0,
      cachePct: 81.9,
      expectedCacheRate: 100,
    });
    // DISPATCH_CACHE_WARM_MAX=1: one warm per idle period, then the timer stays off.
    expect(
      await until(async () => ((await nextWarmAt("warm-a")) === null ? true : undefined), "timer off"),
    ).toBe(true);
    expect(probesFor("marker-a")).toHaveLength(1);
  });

  it("cancels the timer when a turn starts and re-arms it when the turn seals", async () => {
    await toolTurn("warm-b", "marker-b");
    expect(await nextWarmAt("warm-b")).toEqual(expect.any(Number));
    const g = gate(dataDir, "warm-b");
    model.enqueue(toolCallReply("gate", { path: g.path }));
    const events = await openChat(d, { conversationId: "warm-b", message: "hold" });
    await readUntil(events, (e) => e.type === "tool-call");
    expect(await nextWarmAt("warm-b")).toBeNull();

    const busy = await d.call("POST", "/chat/warm", { conversationId: "warm-b" });
    expect(busy).toEqual({
      status: 409,
      body: { error: expect.stringContaining("conversation is generating") },
    });
    g.open();
    await readUntil(events, (e) => e.type === "turn-sealed");
    expect(await until(() => nextWarmAt("warm-b").then((at) => at ?? undefined), "re-armed timer")).toEqual(
      expect.any(Number),
    );
  });

  it("stops warming a closed conversation", async () => {
    await toolTurn("warm-closed", "marker-closed");
    expect(await nextWarmAt("warm-closed")).toEqual(expect.any(Number));
    await d.call("POST", "/conversations/warm-closed/close");
    expect(await nextWarmAt("warm-closed")).toBeNull();
    // A conversation whose turn ended after the closed one's is probed; the closed one never is.
    await toolTurn("warm-open", "marker-open");
    await until(() => probesFor("marker-open")[0], "the open conversation's probe");
    expect(probesFor("marker-closed")).toEqual([]);
  });
});
