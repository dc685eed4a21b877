/**
 * Unit tests of the history conversion: which chunks reach the model, and how an invalid history
 * (orphan results, unanswered calls, broken tool input) is made provider-valid.
 */
import type { ChatMessage } from "@dispatch/wire";
import { describe, expect, it } from "vitest";
import { MISSING_TOOL_RESULT, sanitizeToolInput, toFunctionTools, toPrompt } from "./convert-messages.ts";

const call = (id: string, input: unknown = {}) =>
  ({ type: "tool-call", toolCallId: id, toolName: "t", input }) as const;
const result = (id: string, content = "r", isError = false) =>
  ({ type: "tool-result", toolCallId: id, toolName: "t", content, isError }) as const;

describe("toPrompt", () => {
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
    expect(toPrompt(history)).toEqual([
      { role: "user", content: [{ type: "text", text: "hi" }] },
      { role: "assistant", content: [{ type: "text", text: "hello" }] },
    ]);
  });

  it("keeps reasoning and tool calls in order, and results as text or error-text", () => {
    const history: ChatMessage[] = [
      { role: "assistant", chunks: [{ type: "thinking", text: "plan" }, call("a", { x: 1 }), call("b")] },
      { role: "tool", chunks: [result("a", "ok"), result("b", "failed", true)] },
    ];
    expect(toPrompt(history)).toEqual([
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
    const messages = toPrompt(history);
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
    expect(toPrompt(history)).toEqual([
      { role: "system", content: "Summary of earlier work." },
      {
        role: "user",
        content: [
          { type: "text", text: "what is this?" },
          {
            type: "file",
            data: { type: "url", url: new URL("https://example.test/a.png") },
            mediaType: "image/png",
          },
        ],
      },
    ]);
  });
});

describe("toPrompt: images", () => {
  it("turns an image URL the model cannot reach into a text note", () => {
    const history: ChatMessage[] = [{ role: "user", chunks: [{ type: "image", url: "/images/c1/i1.png" }] }];
    expect(toPrompt(history)).toEqual([
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

describe("toPrompt: system prompt", () => {
  it("leads with the system prompt when there is one", () => {
    const history: ChatMessage[] = [{ role: "user", chunks: [{ type: "text", text: "hi" }] }];
    expect(toPrompt(history, "Be terse.")).toEqual([
      { role: "system", content: "Be terse." },
      { role: "user", content: [{ type: "text", text: "hi" }] },
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
      { type: "function", name: "read_file", description: "Reads", inputSchema: schema },
      { type: "function", name: "edit_file", description: "Edits", inputSchema: { type: "object" } },
    ]);
  });
});
