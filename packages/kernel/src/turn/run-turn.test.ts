/**
 * runTurn's loop: event order, coalescing, two-phase persistence, usage and timing metrics, the
 * step cap, steering, history replacement at the boundary, retries, and failures as values.
 */

import { describe, expect, it } from "vitest";
import type { ProviderEvent } from "../contracts/provider.ts";
import { deferred, harness, scriptedProvider, settle, tool, types, userText } from "./harness.test.ts";
import { runTurn } from "./run-turn.ts";

const echo = tool("echo", async (input) => ({ content: `echo ${JSON.stringify(input)}` }), true);

const toolStep = (id: string, input: unknown = { x: 1 }): ProviderEvent[] => [
  { type: "tool-call", toolCallId: id, toolName: "echo", input },
  { type: "usage", usage: { inputTokens: 10, outputTokens: 5 } },
  { type: "finish", reason: "tool-calls" },
];
const answer = (text: string): ProviderEvent[] => [
  { type: "text-delta", delta: text },
  { type: "usage", usage: { inputTokens: 20, outputTokens: 3 } },
  { type: "finish", reason: "stop" },
];

describe("runTurn: a plain text turn", () => {
  it("emits turn-start, deltas, usage, step-complete, done and persists one coalesced message", async () => {
    const provider = scriptedProvider([
      [
        { type: "text-delta", delta: "Hel" },
        { type: "text-delta", delta: "lo" },
        { type: "usage", usage: { inputTokens: 10, outputTokens: 2 } },
        { type: "finish", reason: "stop" },
      ],
    ]);
    const { input, recording } = harness(provider);
    const result = await runTurn(input);

    expect(types(recording.events)).toEqual([
      "turn-start",
      "text-delta",
      "text-delta",
      "usage",
      "step-complete",
      "done",
    ]);
    expect(recording.events.every((e) => e.conversationId === "conv-1" && "turnId" in e)).toBe(true);
    const assistant = { role: "assistant", chunks: [{ type: "text", text: "Hello" }] };
    expect(recording.persisted).toEqual([[assistant]]);
    expect(result.messages).toEqual([assistant]);
    expect(result.finishReason).toBe("stop");
    expect(result.usage).toEqual({ inputTokens: 10, outputTokens: 2 });
    expect(result.contextSize).toBe(12);
    expect(recording.events.at(-1)).toMatchObject({ type: "done", reason: "stop", contextSize: 12 });
    expect(recording.events[3]).toMatchObject({ type: "usage", stepId: "turn-1#0" });
  });

  it("coalesces consecutive deltas per kind into thinking and text chunks", async () => {
    const provider = scriptedProvider([
      [
        { type: "reasoning-delta", delta: "a" },
        { type: "reasoning-delta", delta: "b" },
        { type: "text-delta", delta: "c" },
        { type: "text-delta", delta: "d" },
        { type: "reasoning-delta", delta: "e" },
        { type: "finish", reason: "stop" },
      ],
    ]);
    const { input } = harness(provider);
    const result = await runTurn(input);
    expect(result.messages[0]?.chunks).toEqual([
      { type: "thinking", text: "ab" },
      { type: "text", text: "cd" },
      { type: "thinking", text: "e" },
    ]);
  });

  it("reports ttft, decode and total time from the injected clock", async () => {
    const provider = scriptedProvider([
      async function* () {
        clock.advance(100);
        yield { type: "text-delta", delta: "a" };
        clock.advance(30);
        yield { type: "text-delta", delta: "b" };
        clock.advance(20);
        yield { type: "text-delta", delta: "c" };
        clock.advance(50);
        yield { type: "finish", reason: "stop" };
      },
    ]);
    const { input, recording } = harness(provider);
    const { clock } = recording;
    const result = await runTurn(input);
    const timing = { ttftMs: 100, decodeMs: 50, genTotalMs: 200 };
    expect(recording.events.find((e) => e.type === "step-complete")).toMatchObject({
      stepId: "turn-1#0",
      ...timing,
    });
    expect(result.steps).toEqual([
      { stepId: "turn-1#0", usage: { inputTokens: 0, outputTokens: 0 }, ...timing },
    ]);
    expect(result.durationMs).toBe(200);
  });
});

describe("runTurn: the tool loop", () => {
  it("calls, runs, feeds back and answers, persisting assistant then tool messages per step", async () => {
    const provider = scriptedProvider([toolStep("call-1"), answer("done")]);
    const { input, recording } = harness(provider, { tools: [echo] });
    const result = await runTurn(input);

    expect(types(recording.events)).toEqual([
      "turn-start",
      "tool-call",
      "usage",
      "step-complete",
      "tool-result",
      "text-delta",
      "usage",
      "step-complete",
      "done",
    ]);
    const call = {
      type: "tool-call",
      toolCallId: "call-1",
      toolName: "echo",
      input: { x: 1 },
      stepId: "turn-1#0",
    };
    const toolResult = {
      type: "tool-result",
      toolCallId: "call-1",
      toolName: "echo",
      content: 'echo {"x":1}',
      isError: false,
      stepId: "turn-1#0",
    };
    const final = { role: "assistant", chunks: [{ type: "text", text: "done" }] };
    expect(recording.persisted).toEqual([
      [{ role: "assistant", chunks: [call] }],
      [{ role: "tool", chunks: [toolResult] }],
      [final],
    ]);
    expect(result.messages).toEqual(recording.persisted.flat());
    expect(provider.requests[1]?.sent).toEqual([userText("hi"), ...recording.persisted.flat().slice(0, 2)]);
    expect(result.usage).toEqual({ inputTokens: 30, outputTokens: 8 });
    expect(result.contextSize).toBe(23);
    expect(result.steps.map((s) => s.stepId)).toEqual(["turn-1#0", "turn-1#1"]);
    expect(recording.events.at(-1)).toMatchObject({
      type: "done",
      reason: "stop",
      usage: { inputTokens: 30, outputTokens: 8 },
      contextSize: 23,
    });
  });

  it("sums cache counters only when a step reports them", async () => {
    const provider = scriptedProvider([
      [
        { type: "tool-call", toolCallId: "c", toolName: "echo", input: {} },
        { type: "usage", usage: { inputTokens: 100, outputTokens: 5, cacheReadTokens: 60 } },
      ],
      [{ type: "usage", usage: { inputTokens: 110, outputTokens: 7, cacheReadTokens: 100 } }],
    ]);
    const { input } = harness(provider, { tools: [echo] });
    const result = await runTurn(input);
    expect(result.usage).toEqual({ inputTokens: 210, outputTokens: 12, cacheReadTokens: 160 });
    expect(result.contextSize).toBe(117);
  });

  it("stores a non-object tool input as {} but hands the raw value to the tool", async () => {
    const seen: unknown[] = [];
    const probe = tool("probe", async (value) => {
      seen.push(value);
      return { content: "invalid arguments", isError: true };
    });
    const provider = scriptedProvider([
      [
        { type: "tool-call", toolCallId: "bad", toolName: "probe", input: "{not json" },
        { type: "tool-call", toolCallId: "text", toolName: "probe", input: '{"path":"a.txt"}' },
      ],
      answer("ok"),
    ]);
    const { input, recording } = harness(provider, { tools: [probe] });
    await runTurn(input);
    expect(seen).toEqual(["{not json", { path: "a.txt" }]);
    const chunks = recording.persisted[0]?.[0]?.chunks ?? [];
    expect(chunks.map((c) => (c.type === "tool-call" ? c.input : undefined))).toEqual([
      {},
      { path: "a.txt" },
    ]);
    const events = recording.events.filter((e) => e.type === "tool-call");
    expect(events.map((e) => e.input)).toEqual([{}, { path: "a.txt" }]);
  });

  it("stops with max-steps after persisting the last step's tool results", async () => {
    const provider = scriptedProvider([toolStep("a"), toolStep("b"), answer("never")]);
    let drained = 0;
    const { input, recording } = harness(provider, {
      tools: [echo],
      maxSteps: 2,
      drainSteering: async () => {
        drained += 1;
        return [];
      },
    });
    const result = await runTurn(input);
    expect(result.finishReason).toBe("max-steps");
    expect(provider.requests).toHaveLength(2);
    expect(recording.persisted.at(-1)?.[0]?.chunks[0]).toMatchObject({
      type: "tool-result",
      toolCallId: "b",
    });
    expect(drained).toBe(1);
    expect(recording.events.at(-1)).toMatchObject({ type: "done", reason: "max-steps" });
  });

  it("injects steering texts as one user message after the tool results", async () => {
    const provider = scriptedProvider([toolStep("a"), answer("ok")]);
    const queue = [["first", "second"]];
    const { input, recording } = harness(provider, {
      tools: [echo],
      drainSteering: async () => queue.shift() ?? [],
    });
    await runTurn(input);
    const steering = userText("first\n\nsecond");
    expect(recording.persisted[1]).toEqual([expect.objectContaining({ role: "tool" }), steering]);
    expect(provider.requests[1]?.sent.at(-1)).toEqual(steering);
  });

  it("replaces the working history with what onStepBoundary returns", async () => {
    const provider = scriptedProvider([toolStep("a"), answer("ok")]);
    const boundaries: Array<{ stepIndex: number; count: number; inputTokens: number }> = [];
    const summary = userText("summary of everything so far");
    const { input } = harness(provider, {
      tools: [echo],
      onStepBoundary: async ({ stepIndex, messages, usage }) => {
        boundaries.push({ stepIndex, count: messages.length, inputTokens: usage.inputTokens });
        return [summary];
      },
    });
    const result = await runTurn(input);
    expect(boundaries).toEqual([{ stepIndex: 0, count: 3, inputTokens: 10 }]);
    expect(provider.requests[1]?.sent).toEqual([summary]);
    expect(result.finishReason).toBe("stop");
  });
});

describe("runTurn: retries and failures", () => {
  const everySecond = { delayFor: (attempt: number) => (attempt < 3 ? 1000 * (attempt + 1) : undefined) };

  it("retries a failed call that produced no content, emitting provider-retry", async () => {
    const provider = scriptedProvider([
      [{ type: "error", message: "rate limited", code: "429", retryable: true }],
      { throws: new Error("socket hang up") },
      answer("finally"),
    ]);
    const { input, recording } = harness(provider, { retry: everySecond });
    const result = await runTurn(input);
    expect(recording.events.filter((e) => e.type === "provider-retry")).toEqual([
      expect.objectContaining({ attempt: 0, delayMs: 1000, message: "rate limited", code: "429" }),
      expect.objectContaining({ attempt: 1, delayMs: 2000, message: "socket hang up" }),
    ]);
    expect(recording.sleeps).toEqual([1000, 2000]);
    expect(result.finishReason).toBe("stop");
    expect(recording.persisted).toEqual([
      [{ role: "assistant", chunks: [{ type: "text", text: "finally" }] }],
    ]);
  });

  it("does not retry once content was streamed; the error ends the turn as a chunk and an event", async () => {
    const provider = scriptedProvider([
      [
        { type: "text-delta", delta: "par" },
        { type: "error", message: "connection reset", code: "ECONNRESET", retryable: true },
      ],
      answer("unused"),
    ]);
    const { input, recording } = harness(provider, { retry: everySecond });
    const result = await runTurn(input);
    expect(provider.requests).toHaveLength(1);
    expect(types(recording.events)).not.toContain("provider-retry");
    expect(result.finishReason).toBe("error");
    expect(recording.persisted).toEqual([
      [
        {
          role: "assistant",
          chunks: [
            { type: "text", text: "par" },
            { type: "error", message: "connection reset", code: "ECONNRESET" },
          ],
        },
      ],
    ]);
    expect(types(recording.events).slice(-3)).toEqual(["step-complete", "error", "done"]);
  });

  it("gives up on a non-retryable error and when the policy is exhausted", async () => {
    const fatal = scriptedProvider([[{ type: "error", message: "bad key", retryable: false }]]);
    const first = harness(fatal, { retry: everySecond });
    expect((await runTurn(first.input)).finishReason).toBe("error");
    expect(fatal.requests).toHaveLength(1);

    const flaky = scriptedProvider([{ throws: new Error("down") }, { throws: new Error("still down") }]);
    const second = harness(flaky, { retry: { delayFor: (attempt) => (attempt === 0 ? 5 : undefined) } });
    const result = await runTurn(second.input);
    expect(flaky.requests).toHaveLength(2);
    expect(result.finishReason).toBe("error");
    expect(second.recording.events.find((e) => e.type === "error")).toMatchObject({ message: "still down" });
  });

  it("ends with an error event when persist rejects, and still emits done last", async () => {
    const provider = scriptedProvider([answer("hello")]);
    const { input, recording } = harness(provider, {
      persist: async () => {
        throw new Error("disk full");
      },
    });
    const result = await runTurn(input);
    expect(result.finishReason).toBe("error");
    expect(recording.events.find((e) => e.type === "error")).toMatchObject({
      message: "Persisting messages failed: disk full",
      code: "PERSIST_FAILED",
    });
    expect(recording.events.at(-1)?.type).toBe("done");
  });

  it("survives an event sink and a logger that throw", async () => {
    const provider = scriptedProvider([toolStep("a"), answer("ok")]);
    const explode = () => {
      throw new Error("broken");
    };
    const brokenLogger = {
      debug: explode,
      info: explode,
      warn: explode,
      error: explode,
      child: explode,
      span: explode,
    };
    const { input } = harness(provider, { tools: [echo], emit: explode, logger: brokenLogger });
    const result = await runTurn(input);
    expect(result.finishReason).toBe("stop");
    expect(result.messages).toHaveLength(3);
  });

  it("aborts while waiting to retry", async () => {
    const provider = scriptedProvider([[{ type: "error", message: "overloaded", retryable: true }]]);
    const slept = deferred();
    const { input, recording } = harness(provider, {
      retry: everySecond,
      sleep: async () => {
        slept.resolve();
        await settle();
      },
    });
    const running = runTurn(input);
    await slept.promise;
    recording.controller.abort();
    const result = await running;
    expect(result.finishReason).toBe("aborted");
    expect(recording.persisted).toEqual([]);
    expect(types(recording.events).at(-1)).toBe("done");
  });
});
