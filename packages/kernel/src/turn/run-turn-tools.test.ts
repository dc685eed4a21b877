/**
 * runTurn's tool dispatch and abort handling: safe tools overlap up to the cap, an unsafe tool runs
 * alone, unknown and throwing tools become error results, live output is forwarded, results keep
 * call order, and an abort (mid-stream or mid-tool) never leaves a tool call without a result.
 */
import { describe, expect, it } from "vitest";
import type { LogRecord } from "../contracts/logging.ts";
import type { ProviderEvent } from "../contracts/provider.ts";
import type { Tool } from "../contracts/tool.ts";
import { createLogger } from "../logging/logger.ts";
import { type Deferred, deferred, harness, scriptedProvider, settle, tool, types } from "./harness.test.ts";
import { runTurn } from "./run-turn.ts";

const calls = (...names: string[]): ProviderEvent[] =>
  names.map((name, index) => ({ type: "tool-call", toolCallId: `call-${index}`, toolName: name, input: {} }));
const done: ProviderEvent[] = [{ type: "text-delta", delta: "ok" }];

/** A tool that logs start/end into `log` and finishes when its gate opens. */
function gated(name: string, log: string[], gate: Promise<void>, safe: boolean): Tool {
  return tool(
    name,
    async () => {
      log.push(`start ${name}`);
      await gate;
      log.push(`end ${name}`);
      return { content: `${name} done` };
    },
    safe,
  );
}

/** Opens gates one macrotask apart, so a tool that could start early would have had the chance. */
async function openInTurn(...gates: Deferred<void>[]): Promise<void> {
  for (const gate of gates) {
    await settle();
    gate.resolve();
  }
}

describe("runTurn: dispatching tools", () => {
  it("runs concurrency-safe tools in parallel", async () => {
    const log: string[] = [];
    const gate = deferred();
    const tools = [gated("a", log, gate.promise, true), gated("b", log, gate.promise, true)];
    const { input } = harness(scriptedProvider([calls("a", "b"), done]), { tools });
    const running = runTurn(input);
    await settle();
    expect(log).toEqual(["start a", "start b"]);
    gate.resolve();
    expect((await running).finishReason).toBe("stop");
  });

  it("caps parallel safe tools at maxConcurrentTools", async () => {
    const log: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const tools = ["a", "b", "c"].map((name, i) =>
      gated(name, log, gates[i]?.promise ?? Promise.resolve(), true),
    );
    const { input } = harness(scriptedProvider([calls("a", "b", "c"), done]), {
      tools,
      maxConcurrentTools: 2,
    });
    const running = runTurn(input);
    await settle();
    expect(log).toEqual(["start a", "start b"]);
    await openInTurn(...gates);
    await running;
    expect(log.slice(2)).toEqual(["end a", "start c", "end b", "end c"]);
  });

  it("runs an unsafe tool alone: it waits for running tools and blocks later ones", async () => {
    const log: string[] = [];
    const [ga, gb, gc] = [deferred(), deferred(), deferred()];
    const tools = [
      gated("a", log, ga.promise, true),
      gated("b", log, gb.promise, false),
      gated("c", log, gc.promise, true),
    ];
    const { input, recording } = harness(scriptedProvider([calls("a", "b", "c"), done]), { tools });
    const running = runTurn(input);
    await openInTurn(ga, gb, gc);
    await running;
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
    const results = recording.events.filter((e) => e.type === "tool-result");
    expect(results.map((e) => e.toolCallId)).toEqual(["call-0", "call-1", "call-2"]);
  });

  it("emits and persists results in call order even when later calls finish first", async () => {
    const slow = deferred();
    const tools = [
      tool("slow", async () => slow.promise.then(() => ({ content: "slow" })), true),
      tool("fast", async () => ({ content: "fast" }), true),
    ];
    const { input, recording } = harness(scriptedProvider([calls("slow", "fast"), done]), { tools });
    const running = runTurn(input);
    await openInTurn(slow);
    await running;
    const toolMessages = recording.persisted[1] ?? [];
    expect(toolMessages.map((m) => m.chunks[0]?.type === "tool-result" && m.chunks[0].content)).toEqual([
      "slow",
      "fast",
    ]);
  });

  it("answers an unknown tool and a throwing tool with error results the model can read", async () => {
    const tools = [
      tool("boom", async () => {
        throw new Error("kaput");
      }),
      tool("fine", async () => ({ content: "fine" })),
    ];
    const { input, recording } = harness(scriptedProvider([calls("nope", "boom"), done]), { tools });
    await runTurn(input);
    const results = recording.events.filter((e) => e.type === "tool-result");
    expect(results.map(({ content, isError }) => ({ content, isError }))).toEqual([
      { content: "Unknown tool: nope. Available tools: boom, fine", isError: true },
      { content: "Tool execution error: kaput", isError: true },
    ]);
  });

  it("forwards live output as tool-output events and gives tools their context", async () => {
    const contexts: Array<Record<string, unknown>> = [];
    const shell = tool("shell", async (_input, context) => {
      contexts.push({ stepId: context.stepId, cwd: context.cwd, turnId: context.turnId });
      context.onOutput("line 1\n", "stdout");
      context.onOutput("oops\n", "stderr");
      return { content: "exit 0" };
    });
    const { input, recording } = harness(scriptedProvider([calls("shell"), done]), {
      tools: [shell],
      cwd: "/repo",
    });
    await runTurn(input);
    expect(contexts).toEqual([{ stepId: "turn-1#0", cwd: "/repo", turnId: "turn-1" }]);
    expect(types(recording.events).slice(1, 5)).toEqual([
      "tool-call",
      "tool-output",
      "tool-output",
      "step-complete",
    ]);
    expect(recording.events.filter((e) => e.type === "tool-output")).toEqual([
      expect.objectContaining({ toolCallId: "call-0", data: "line 1\n", stream: "stdout" }),
      expect.objectContaining({ toolCallId: "call-0", data: "oops\n", stream: "stderr" }),
    ]);
  });

  it("gives every tool call the turn's extra roots, and none when the turn has none", async () => {
    const seen: Array<readonly string[] | undefined> = [];
    const reader = tool("read", async (_input, context) => {
      seen.push(context.roots);
      return { content: "ok" };
    });
    const withRoots = harness(scriptedProvider([calls("read", "read"), done]), {
      tools: [reader],
      toolRoots: ["/srv/shared", "/opt/docs"],
    });
    await runTurn(withRoots.input);
    const without = harness(scriptedProvider([calls("read"), done]), { tools: [reader] });
    await runTurn(without.input);
    expect(seen).toEqual([["/srv/shared", "/opt/docs"], ["/srv/shared", "/opt/docs"], undefined]);
  });
});

describe("runTurn: abort", () => {
  const ABORTED = "Aborted: the turn was stopped before this tool finished.";

  it("mid-stream: keeps partial text and the emitted call, and gives the call an Aborted result", async () => {
    const started = deferred();
    const never = deferred<ProviderEvent>();
    const provider = scriptedProvider([
      async function* () {
        yield { type: "text-delta", delta: "partial " };
        yield { type: "tool-call", toolCallId: "c1", toolName: "hang", input: { a: 1 } };
        yield await never.promise; // a provider that ignores the signal
      },
    ]);
    const hang = tool("hang", async () => {
      started.resolve();
      return new Promise(() => undefined);
    });
    const { input, recording } = harness(provider, { tools: [hang] });
    const running = runTurn(input);
    await started.promise;
    recording.controller.abort();
    const result = await running;

    expect(result.finishReason).toBe("aborted");
    expect(recording.persisted).toEqual([
      [
        {
          role: "assistant",
          chunks: [
            { type: "text", text: "partial " },
            { type: "tool-call", toolCallId: "c1", toolName: "hang", input: { a: 1 }, stepId: "turn-1#0" },
          ],
        },
      ],
      [
        {
          role: "tool",
          chunks: [
            {
              type: "tool-result",
              toolCallId: "c1",
              toolName: "hang",
              content: ABORTED,
              isError: true,
              stepId: "turn-1#0",
            },
          ],
        },
      ],
    ]);
    expect(provider.requests).toHaveLength(1);
    expect(recording.events.at(-1)).toMatchObject({ type: "done", reason: "aborted" });
  });

  it("mid-tool: finished calls keep their result, unfinished ones get Aborted, the tool sees the signal", async () => {
    const fastDone = deferred();
    let signalSeen = false;
    const tools = [
      tool(
        "hang",
        (_input, context) =>
          new Promise(() => {
            context.signal.addEventListener("abort", () => {
              signalSeen = true;
            });
          }),
        true,
      ),
      tool(
        "fast",
        async () => {
          fastDone.resolve();
          return { content: "fast result" };
        },
        true,
      ),
    ];
    const { input, recording } = harness(scriptedProvider([calls("hang", "fast"), done]), { tools });
    const running = runTurn(input);
    await fastDone.promise;
    await settle();
    recording.controller.abort();
    const result = await running;

    expect(result.finishReason).toBe("aborted");
    expect(signalSeen).toBe(true);
    const results = (recording.persisted[1] ?? []).map((m) => m.chunks[0]);
    expect(results).toEqual([
      expect.objectContaining({ toolCallId: "call-0", content: ABORTED, isError: true }),
      expect.objectContaining({ toolCallId: "call-1", content: "fast result", isError: false }),
    ]);
    expect(recording.events.filter((e) => e.type === "tool-result")).toHaveLength(2);
  });

  it("before the first step: no model call, done with aborted", async () => {
    const provider = scriptedProvider([done]);
    const { input, recording } = harness(provider);
    recording.controller.abort();
    const result = await runTurn(input);
    expect(result.finishReason).toBe("aborted");
    expect(provider.requests).toHaveLength(0);
    expect(types(recording.events)).toEqual(["turn-start", "done"]);
  });
});

describe("runTurn: spans", () => {
  it("traces turn, step, prompt, ttft, decode and tool-call with their attributes", async () => {
    const records: LogRecord[] = [];
    let id = 0;
    const logger = createLogger({
      sink: { emit: (record) => records.push(record) },
      now: () => 0,
      newId: () => `s${++id}`,
      extensionId: "host",
    });
    const echo = tool("echo", async () => ({ content: "e" }), true);
    const provider = scriptedProvider([
      [{ type: "text-delta", delta: "x" }, ...calls("echo")],
      [{ type: "text-delta", delta: "y" }],
    ]);
    const { input } = harness(provider, { tools: [echo], logger, systemPrompt: "be brief" });
    await runTurn(input);

    const closes = records.filter((r) => r.kind === "span-close");
    expect(closes.map((r) => r.name).sort()).toEqual(
      ["turn", "step", "prompt", "ttft", "decode", "tool-call", "step", "prompt", "ttft", "decode"].sort(),
    );
    const turn = closes.find((r) => r.name === "turn");
    expect(turn?.attributes).toMatchObject({
      conversationId: "conv-1",
      turnId: "turn-1",
      model: "test-model",
    });
    expect(turn?.attributes).toMatchObject({ finishReason: "stop", inputTokens: 0 });
    const toolCall = closes.find((r) => r.name === "tool-call");
    expect(toolCall?.attributes).toMatchObject({ toolName: "echo", toolCallId: "call-0", isError: false });
    expect(typeof toolCall?.attributes?.durationMs).toBe("number");
    const steps = records.filter((r) => r.kind === "span-open" && r.name === "step");
    expect(steps.map((r) => r.attributes?.stepIndex)).toEqual([0, 1]);
    expect(steps.every((r) => r.conversationId === "conv-1" && r.turnId === "turn-1")).toBe(true);

    const prompts = records.filter((r) => r.kind === "span-open" && r.name === "prompt");
    const body = JSON.parse(prompts[1]?.body ?? "{}");
    expect(body.systemPrompt).toBe("be brief");
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "tool"]);
    expect(body.tools).toEqual([
      { name: "echo", description: "the echo tool", inputSchema: { type: "object" } },
    ]);
    const stepSpan = steps[0]?.spanId;
    expect(prompts[0]?.parentSpanId).toBe(stepSpan);
  });
});
