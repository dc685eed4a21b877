/**
 * Unit tests of the history conversion: which chunks reach the model, and how an invalid history
 * (orphan results, unanswered calls, broken tool input) is made provider-valid.
 */
import type { ChatMessage } from "@dispatch/wire";
import { describe, expect, it } from "vitest";
import { MISSING_TOOL_RESULT, sanitizeToolInput, toModelMessages, toModelTools } from "./convert-messages.ts";

const call = (id: string, input: unknown = {}) =>
  ({ type: "tool-call", toolCallId: id, toolName: "t", input }) as const;
const result = (id: string, content = "r", isError = false) =>
  ({ type: "tool-result", toolCallId: id, toolName: "t", content, isError }) as const;

describe("toModelMessages", () => {
  it("drops error, system and empty chunks and messages that end up empty", () => {
    const history: ChatMessage[] = [
      {
        role: "user",
        chunks: [
          { type: "text", text: "hi" },
          { type: "system", text: "cwd changed" },
        ],
      },
      { role: "assistant", chunks: [{ type: "error", message: "HTTP 500" }] },
      {
        role: "assistant",
        chunks: [
          { type: "thinking", text: "" },
          { type: "text", text: "hello" },
        ],
      },
    ];
    expect(toModelMessages(history)).toEqual([
      { role: "user", content: [{ type: "text", text: "hi" }] },
      { role: "assistant", content: [{ type: "text", text: "hello" }] },
    ]);
  });

  it("keeps reasoning and tool calls in order, and results as text or error-text", () => {
    const history: ChatMessage[] = [
      { role: "assistant", chunks: [{ type: "thinking", text: "plan" }, call("a", { x: 1 }), call("b")] },
      { role: "tool", chunks: [result("a", "ok"), result("b", "failed", true)] },
    ];
    expect(toModelMessages(history)).toEqual([
      {
        role: "assistant",
        content: [
          { type: "reasoning", text: "plan" },
          { type: "tool-call", toolCallId: "a", toolName: "t", input: { x: 1 } },
          { type: "tool-call", toolCallId: "b", toolName: "t", input: {} },
        ],
      },
      {
        role: "tool",
        content: [
          { type: "tool-result", toolCallId: "a", toolName: "t", output: { type: "text", value: "ok" } },
          {
            type: "tool-result",
            toolCallId: "b",
            toolName: "t",
            output: { type: "error-text", value: "failed" },
          },
        ],
      },
    ]);
  });

  it("answers a call left without a result and drops results without a call or duplicated", () => {
    const history: ChatMessage[] = [
      { role: "tool", chunks: [result("ghost")] },
      { role: "assistant", chunks: [call("a"), call("b")] },
      { role: "tool", chunks: [result("a"), result("a", "again")] },
    ];
    const messages = toModelMessages(history);
    expect(messages.map((m) => m.role)).toEqual(["assistant", "tool", "tool"]);
    expect(messages[1]).toEqual({
      role: "tool",
      content: [
        {
          type: "tool-result",
          toolCallId: "b",
          toolName: "t",
          output: { type: "error-text", value: MISSING_TOOL_RESULT },
        },
      ],
    });
    expect(messages[2]?.content).toHaveLength(1);
  });

  it("sends an image chunk as a file part and a system-role message as a system message", () => {
    const history: ChatMessage[] = [
      { role: "system", chunks: [{ type: "text", text: "Summary of earlier work." }] },
      {
        role: "user",
        chunks: [
          { type: "text", text: "what is this?" },
          { type: "image", url: "https://example.test/a.png", mimeType: "image/png" },
        ],
      },
    ];
    expect(toModelMessages(history)).toEqual([
      { role: "system", content: "Summary of earlier work." },
      {
        role: "user",
        content: [
          { type: "text", text: "what is this?" },
          { type: "file", data: new URL("https://example.test/a.png"), mediaType: "image/png" },
        ],
      },
    ]);
  });
});

describe("toModelMessages: images", () => {
  it("turns an image URL the model cannot reach into a text note", () => {
    const history: ChatMessage[] = [{ role: "user", chunks: [{ type: "image", url: "/images/c1/i1.png" }] }];
    expect(toModelMessages(history)).toEqual([
      {
        role: "user",
        content: [{ type: "text", text: "[image /images/c1/i1.png is not reachable by the model]" }],
      },
    ]);
  });
});

describe("sanitizeToolInput", () => {
  it("parses raw JSON strings and replaces anything that is not an object by {}", () => {
    expect(sanitizeToolInput('{"a":1}')).toEqual({ a: 1 });
    expect(sanitizeToolInput('{"a":')).toEqual({});
    expect(sanitizeToolInput("[1]")).toEqual({});
    expect(sanitizeToolInput(null)).toEqual({});
    expect(sanitizeToolInput({ b: 2 })).toEqual({ b: 2 });
  });
});

describe("toModelTools", () => {
  it("builds schema-only tools (no execute) keyed by name", () => {
    const tools = toModelTools([
      { name: "read_file", description: "Reads", inputSchema: { type: "object" } },
    ]);
    expect(Object.keys(tools)).toEqual(["read_file"]);
    expect(tools.read_file?.description).toBe("Reads");
    expect(tools.read_file?.execute).toBeUndefined();
  });
});
