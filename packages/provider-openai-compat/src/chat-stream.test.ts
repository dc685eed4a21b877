/**
 * The SSE decoder on its own: what servers other than the scripted one send (content parts, refusals,
 * in-stream errors, reused tool-call indexes, missing ids), broken streams, and bytes split anywhere,
 * UTF-8 sequences included.
 */
import type { ProviderEvent } from "@dispatch/kernel";
import { describe, expect, it } from "vitest";
import { ChatStreamDecoder } from "./chat-stream.ts";

const encoder = new TextEncoder();
const sse = (...chunks: unknown[]) =>
  chunks.map((chunk) => `data: ${typeof chunk === "string" ? chunk : JSON.stringify(chunk)}\n\n`).join("");
const delta = (d: Record<string, unknown>, finish: string | null = null) => ({
  choices: [{ index: 0, delta: d, finish_reason: finish }],
});

/** Decodes `text` fed in pieces of `size` bytes; returns every event, and after which piece each came. */
function decode(text: string, size = Number.POSITIVE_INFINITY): ProviderEvent[] {
  const bytes = encoder.encode(text);
  const decoder = new ChatStreamDecoder();
  const events: ProviderEvent[] = [];
  for (let at = 0; at < bytes.length; at += Math.min(size, bytes.length)) {
    events.push(...decoder.push(bytes.subarray(at, at + size)));
  }
  events.push(...decoder.end());
  return events;
}

describe("ChatStreamDecoder", () => {
  it("gives the same events whatever the byte boundaries, multi-byte characters included", () => {
    const text = sse(
      delta({ role: "assistant", reasoning_content: "ü thinks " }),
      delta({ content: "naïve 🙂 " }),
      delta({ content: "done" }, "stop"),
      { choices: [], usage: { prompt_tokens: 5, completion_tokens: 3 } },
      "[DONE]",
    );
    const whole = decode(text);
    expect(whole).toEqual([
      { type: "reasoning-delta", delta: "ü thinks " },
      { type: "text-delta", delta: "naïve 🙂 " },
      { type: "text-delta", delta: "done" },
      { type: "usage", usage: { inputTokens: 5, outputTokens: 3 } },
      { type: "finish", reason: "stop" },
    ]);
    for (const size of [1, 2, 3, 7]) expect(decode(text, size)).toEqual(whole);
  });

  it("reads content sent as parts, reasoning in `reasoning` or thinking parts, and refusals", () => {
    const events = decode(
      sse(
        delta({ reasoning: "r1 " }),
        delta({ content: [{ type: "thinking", thinking: [{ type: "text", text: "r2" }] }] }),
        delta({ content: [{ type: "text", text: "a" }, { type: "image" }] }),
        delta({ refusal: "I can't." }, "stop"),
      ),
    );
    expect(events).toEqual([
      { type: "reasoning-delta", delta: "r1 " },
      { type: "reasoning-delta", delta: "r2" },
      { type: "text-delta", delta: "a" },
      { type: "text-delta", delta: "I can't." },
      { type: "finish", reason: "content-filter" },
    ]);
  });

  it("emits a tool call as soon as its arguments are complete, before the stream ends", () => {
    const decoder = new ChatStreamDecoder();
    const first = decoder.push(
      encoder.encode(
        sse(
          delta({ tool_calls: [{ index: 0, id: "c1", function: { name: "read_file", arguments: '{"pa' } }] }),
          delta({ tool_calls: [{ index: 0, function: { arguments: 'th":"a"}' } }] }),
        ),
      ),
    );
    expect(first).toEqual([
      { type: "tool-call", toolCallId: "c1", toolName: "read_file", input: { path: "a" } },
    ]);
    decoder.push(encoder.encode(sse(delta({}, "tool_calls"))));
    expect(decoder.end()).toEqual([{ type: "finish", reason: "tool-calls" }]);
  });

  it("tells calls apart when a server reuses index 0, and names calls that came without an id", () => {
    const events = decode(
      sse(
        delta({ tool_calls: [{ index: 0, id: "a", function: { name: "one", arguments: "" } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: "{}" } }] }),
        delta({ tool_calls: [{ index: 0, id: "b", function: { name: "two", arguments: '{"x":1}' } }] }),
        delta({ tool_calls: [{ function: { name: "three", arguments: "" } }] }, "tool_calls"),
      ),
    );
    expect(events.filter((e) => e.type === "tool-call")).toEqual([
      { type: "tool-call", toolCallId: "a", toolName: "one", input: {} },
      { type: "tool-call", toolCallId: "b", toolName: "two", input: { x: 1 } },
      { type: "tool-call", toolCallId: "call_1", toolName: "three", input: {} },
    ]);
  });

  it("ends with a retryable STREAM_ERROR on an in-stream error object, and nothing after it", () => {
    const events = decode(
      sse(
        delta({ content: "partial" }),
        { error: { message: "overloaded", code: 529 } },
        delta({ content: "x" }),
      ),
    );
    expect(events).toEqual([
      { type: "text-delta", delta: "partial" },
      {
        type: "error",
        code: "STREAM_ERROR",
        retryable: true,
        message: "the provider reported an error mid-stream: overloaded",
      },
    ]);
  });

  it("fails a stream that is not JSON or ends without a finish reason", () => {
    expect(decode(sse(delta({ content: "a" }), "{not json")).at(-1)).toMatchObject({
      type: "error",
      code: "STREAM_ERROR",
      message: expect.stringContaining("a chunk is not JSON: {not json"),
    });
    expect(decode(sse(delta({ content: "a" }))).at(-1)).toMatchObject({
      type: "error",
      code: "STREAM_ERROR",
      message: expect.stringContaining("without a finish reason"),
    });
  });

  it("ignores comments, unknown fields and chunks without choices", () => {
    const events = decode(
      `: keep-alive\n\n${sse({ id: "x", object: "chat.completion.chunk", choices: [] }, delta({ content: "ok", extra: 1 }, "stop"))}`,
    );
    expect(events).toEqual([
      { type: "text-delta", delta: "ok" },
      { type: "finish", reason: "stop" },
    ]);
  });
});
