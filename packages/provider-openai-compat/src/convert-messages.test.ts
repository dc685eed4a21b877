/**
 * Unit tests of the history conversion: which chunks reach the model, and how an invalid history
 * (orphan results, unanswered calls, broken tool input) is made provider-valid.
 */
import type { ChatMessage } from "@dispatch/wire";
import { describe, expect, it } from "vitest";
import {
  MISSING_TOOL_RESULT,
  sanitizeToolInput,
  toChatMessages,
  toFunctionTools,
} from "./convert-messages.ts";

const call = (id: string, input: unknown = {}) =>
  ({ type: "tool-call", toolCallId: id, toolName: "t", input }) as const;
const result = (id: string, content = "r", isError = false) =>
  ({ type: "tool-result", toolCallId: id, toolName: "t", content, isError }) as const;

describe("toChatMessages", () => {
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
    expect(toChatMessages(history)).toEqual([
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
    ]);
  });

  it("sends reasoning as reasoning_content, tool calls with JSON arguments, results as tool messages", () => {
    const history: ChatMessage[] = [
      {
        role: "assistant",
        chunks: [{ type: "thinking", text: "plan" }, call("a", { x: 1 }), call("b", "[1]")],
      },
      { role: "tool", chunks: [result("a", "ok"), result("b", "failed", true)] },
    ];
    expect(toChatMessages(history)).toEqual([
      {
        role: "assistant",
        content: null,
        reasoning_content: "plan",
        tool_calls: [
          { id: "a", type: "function", function: { name: "t", arguments: '{"x":1}' } },
          { id: "b", type: "function", function: { name: "t", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "a", content: "ok" },
      { role: "tool", tool_call_id: "b", content: "failed" },
    ]);
  });

  it("answers a call left without a result and drops results without a call or duplicated", () => {
    const history: ChatMessage[] = [
      { role: "tool", chunks: [result("ghost")] },
      { role: "assistant", chunks: [call("a"), call("b")] },
      { role: "tool", chunks: [result("a"), result("a", "again")] },
    ];
    expect(toChatMessages(history)).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "a", type: "function", function: { name: "t", arguments: "{}" } },
          { id: "b", type: "function", function: { name: "t", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "b", content: MISSING_TOOL_RESULT },
      { role: "tool", tool_call_id: "a", content: "r" },
    ]);
  });

  it("sends an image chunk as an image_url part and a system-role message as a system message", () => {
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
    expect(toChatMessages(history)).toEqual([
      { role: "system", content: "Summary of earlier work." },
      {
        role: "user",
        content: [
          { type: "text", text: "what is this?" },
          { type: "image_url", image_url: { url: "https://example.test/a.png" } },
        ],
      },
    ]);
  });
});

describe("toChatMessages: images", () => {
  it("turns an image URL the model cannot reach into a text note", () => {
    const history: ChatMessage[] = [{ role: "user", chunks: [{ type: "image", url: "/images/c1/i1.png" }] }];
    expect(toChatMessages(history)).toEqual([
      { role: "user", content: "[image /images/c1/i1.png is not reachable by the model]" },
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

describe("toChatMessages: system prompt", () => {
  it("leads with the system prompt when there is one", () => {
    const history: ChatMessage[] = [{ role: "user", chunks: [{ type: "text", text: "hi" }] }];
    expect(toChatMessages(history, "Be terse.")).toEqual([
      { role: "system", content: "Be terse." },
      { role: "user", content: "hi" },
    ]);
  });
});

describe("toFunctionTools", () => {
  it("builds function tools with the JSON schema as is, in the given order", () => {
    const schema = { type: "object", properties: { path: { type: "string" } } };
    expect(
      toFunctionTools([
        { name: "read_file", description: "Reads", inputSchema: schema },
        { name: "edit_file", description: "Edits", inputSchema: { type: "object" } },
      ]),
    ).toEqual([
      { type: "function", function: { name: "read_file", description: "Reads", parameters: schema } },
      {
        type: "function",
        function: { name: "edit_file", description: "Edits", parameters: { type: "object" } },
      },
    ]);
  });
});
