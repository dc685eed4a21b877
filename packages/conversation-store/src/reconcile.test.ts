import type { ChatMessage } from "@dispatch/wire";
import { describe, expect, it } from "vitest";
import { danglingTailCalls, INTERRUPTED_TOOL_RESULT, reconcile } from "./reconcile.ts";
import { assistant, calls, results, user } from "./test-fixtures/open-store.ts";

const interrupted = (id: string, stepId?: string) => ({
  type: "tool-result" as const,
  toolCallId: id,
  toolName: "read_file",
  content: INTERRUPTED_TOOL_RESULT,
  isError: true,
  ...(stepId ? { stepId } : {}),
});

describe("reconcile", () => {
  it("leaves a valid history as it is", () => {
    const history: ChatMessage[] = [
      user("hi"),
      { role: "assistant", chunks: [{ type: "thinking", text: "hmm" }] },
      calls("a", "b"),
      results("a"),
      results("b"),
      assistant("done"),
      user("again"),
    ];
    expect(reconcile(history)).toEqual({ messages: history, repairs: [] });
  });

  it("puts a synthesized result right after the sibling results of the calling message", () => {
    const call = calls("a", "b", "c");
    const withStep = call.chunks.map((chunk) => ({ ...chunk, stepId: "turn-1#0" }));
    const history: ChatMessage[] = [
      user("go"),
      { role: "assistant", chunks: withStep },
      results("a"),
      results("c"),
      user("next"),
    ];
    const { messages, repairs } = reconcile(history);
    expect(messages).toEqual([
      history[0],
      history[1],
      history[2],
      history[3],
      { role: "tool", chunks: [interrupted("b", "turn-1#0")] },
      history[4],
    ]);
    expect(repairs).toEqual([{ kind: "synthesized-result", messageIndex: 1, toolCallId: "b" }]);
  });

  it("answers unanswered calls at the end of the history and between consecutive assistant messages", () => {
    const { messages, repairs } = reconcile([user("go"), calls("a"), assistant("after"), calls("b", "c")]);
    expect(messages).toEqual([
      user("go"),
      calls("a"),
      { role: "tool", chunks: [interrupted("a")] },
      assistant("after"),
      calls("b", "c"),
      { role: "tool", chunks: [interrupted("b"), interrupted("c")] },
    ]);
    expect(repairs.map((repair) => [repair.kind, repair.messageIndex, repair.toolCallId])).toEqual([
      ["synthesized-result", 1, "a"],
      ["synthesized-result", 3, "b"],
      ["synthesized-result", 3, "c"],
    ]);
  });

  it("replaces tool-call inputs that are not plain JSON objects with {}", () => {
    const bad: ChatMessage = {
      role: "assistant",
      chunks: [
        { type: "tool-call", toolCallId: "s", toolName: "t", input: '{"path": "unterminated' },
        { type: "tool-call", toolCallId: "n", toolName: "t", input: null },
        { type: "tool-call", toolCallId: "l", toolName: "t", input: [1, 2] },
        { type: "tool-call", toolCallId: "o", toolName: "t", input: { keep: [1, { deep: true }] } },
      ],
    };
    const answers: ChatMessage = {
      role: "tool",
      chunks: ["s", "n", "l", "o"].map((id) => ({
        type: "tool-result",
        toolCallId: id,
        toolName: "t",
        content: "",
        isError: false,
      })),
    };
    const { messages, repairs } = reconcile([user("x"), bad, answers]);
    expect(
      messages[1]?.chunks.map((chunk) => (chunk.type === "tool-call" ? chunk.input : undefined)),
    ).toEqual([{}, {}, {}, { keep: [1, { deep: true }] }]);
    expect(repairs).toEqual(
      ["s", "n", "l"].map((toolCallId) => ({ kind: "sanitized-input", messageIndex: 1, toolCallId })),
    );
  });

  it("strips error chunks and drops messages they leave empty, but keeps thinking-only messages", () => {
    const history: ChatMessage[] = [
      user("go"),
      { role: "assistant", chunks: [{ type: "error", message: "provider 500" }] },
      { role: "assistant", chunks: [{ type: "thinking", text: "let me think" }] },
      {
        role: "assistant",
        chunks: [
          { type: "text", text: "partial" },
          { type: "error", message: "stream cut", code: "NETWORK" },
        ],
      },
      { role: "assistant", chunks: [] },
      { role: "assistant", chunks: [{ type: "error", message: "trailing" }] },
    ];
    const { messages, repairs } = reconcile(history);
    expect(messages).toEqual([user("go"), history[2], assistant("partial")]);
    expect(repairs.map((repair) => [repair.kind, repair.messageIndex])).toEqual([
      ["stripped-error", 1],
      ["dropped-empty-message", 1],
      ["stripped-error", 3],
      ["dropped-empty-message", 4],
      ["stripped-error", 5],
      ["dropped-empty-message", 5],
    ]);
  });

  it("drops tool results that answer no open call", () => {
    const history: ChatMessage[] = [
      results("ghost"),
      user("go"),
      calls("a"),
      {
        role: "tool",
        chunks: [...results("a").chunks, ...results("a").chunks, ...results("other").chunks],
      },
      user("later"),
      results("a"),
    ];
    const { messages, repairs } = reconcile(history);
    expect(messages).toEqual([user("go"), calls("a"), results("a"), user("later")]);
    expect(repairs.map((repair) => [repair.kind, repair.messageIndex, repair.toolCallId])).toEqual([
      ["dropped-orphan-result", 0, "ghost"],
      ["dropped-empty-message", 0, undefined],
      ["dropped-orphan-result", 3, "a"],
      ["dropped-orphan-result", 3, "other"],
      ["dropped-orphan-result", 5, "a"],
      ["dropped-empty-message", 5, undefined],
    ]);
  });

  it("drops an error-only message between calls and their results without splitting the pair", () => {
    const history: ChatMessage[] = [
      calls("a"),
      { role: "assistant", chunks: [{ type: "error", message: "x" }] },
      results("a"),
    ];
    expect(reconcile(history).messages).toEqual([calls("a"), results("a")]);
  });

  it("never mutates its input", () => {
    const history: ChatMessage[] = [
      user("go"),
      { role: "assistant", chunks: [{ type: "tool-call", toolCallId: "a", toolName: "t", input: "bad" }] },
      { role: "assistant", chunks: [{ type: "error", message: "x" }] },
      results("ghost"),
    ];
    const before = structuredClone(history);
    reconcile(history);
    expect(history).toEqual(before);
  });
});

describe("danglingTailCalls", () => {
  it("finds the unanswered calls of the last assistant message, past tool and error-only messages", () => {
    const history: ChatMessage[] = [
      user("go"),
      calls("a", "b", "c"),
      results("a"),
      { role: "assistant", chunks: [{ type: "error", message: "killed" }] },
      results("c"),
    ];
    const { messageIndex, calls: dangling } = danglingTailCalls(history);
    expect(messageIndex).toBe(1);
    expect(dangling.map((call) => call.toolCallId)).toEqual(["b"]);
  });

  it("finds nothing when the tail is answered, or when a user message ends the log", () => {
    expect(danglingTailCalls([user("go"), calls("a"), results("a")]).calls).toEqual([]);
    expect(danglingTailCalls([calls("a"), user("go")]).calls).toEqual([]);
    expect(danglingTailCalls([])).toEqual({ messageIndex: -1, calls: [] });
  });
});
