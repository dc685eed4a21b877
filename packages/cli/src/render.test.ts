/**
 * Human rendering: the reference's line formats for each event, stdout/stderr separation, line
 * breaks between streamed text and tool lines, colors only when enabled, and the list table.
 */
import type { AgentEvent, ConversationMeta } from "@dispatch/transport-contract";
import { describe, expect, it } from "vitest";
import {
  createStyles,
  formatConversations,
  initialRenderState,
  type Piece,
  type RenderOptions,
  relativeTime,
  renderEvent,
  shortIds,
  truncate,
} from "./render.ts";

const base = { conversationId: "c1", turnId: "t1" };
const plain: RenderOptions = {
  styles: createStyles(false),
  showReasoning: false,
  showUserMessage: false,
  truncateResults: false,
};

function renderAll(events: AgentEvent[], options: RenderOptions = plain): Piece[] {
  const state = initialRenderState();
  return events.flatMap((event) => renderEvent(event, state, options));
}
const text = (pieces: Piece[], stream: Piece["stream"]) =>
  pieces
    .filter((p) => p.stream === stream)
    .map((p) => p.text)
    .join("");

describe("renderEvent", () => {
  it("prints a tool-using turn in the reference's format", () => {
    const pieces = renderAll([
      { ...base, type: "user-message", text: "hi" },
      { ...base, type: "turn-start" },
      { ...base, type: "reasoning-delta", delta: "hmm" },
      { ...base, type: "text-delta", delta: "Let me " },
      { ...base, type: "text-delta", delta: "look." },
      {
        ...base,
        type: "tool-call",
        stepId: "t1#0",
        toolCallId: "a",
        toolName: "read_file",
        input: { path: "x" },
      },
      { ...base, type: "tool-output", toolCallId: "a", data: "out\n", stream: "stdout" },
      { ...base, type: "tool-output", toolCallId: "a", data: "warn\n", stream: "stderr" },
      { ...base, type: "usage", usage: { inputTokens: 10, outputTokens: 3 }, stepId: "t1#0" },
      { ...base, type: "step-complete", stepId: "t1#0" },
      {
        ...base,
        type: "tool-result",
        stepId: "t1#0",
        toolCallId: "a",
        toolName: "read_file",
        content: "text",
        isError: false,
      },
      {
        ...base,
        type: "tool-result",
        stepId: "t1#0",
        toolCallId: "b",
        toolName: "shell",
        content: "boom",
        isError: true,
      },
      { ...base, type: "text-delta", delta: "Done." },
      { ...base, type: "done", reason: "stop" },
      { ...base, type: "turn-sealed" },
    ]);
    expect(text(pieces, "stdout")).toBe(
      [
        "Let me look.",
        '[tool] read_file {"path":"x"}',
        "out",
        "[usage] in=10 out=3",
        "[tool:read_file] text",
        "[tool:shell] ERROR boom",
        "Done.",
        "",
      ].join("\n"),
    );
    expect(text(pieces, "stderr")).toBe("warn\n");
  });

  it("shows reasoning and the user's message only when asked, ending reasoning with a blank line", () => {
    const events: AgentEvent[] = [
      { ...base, type: "user-message", text: "two\nlines" },
      { ...base, type: "reasoning-delta", delta: "think" },
      { ...base, type: "text-delta", delta: "answer" },
    ];
    const pieces = renderAll(events, { ...plain, showReasoning: true, showUserMessage: true });
    expect(text(pieces, "stdout")).toBe("> two\n> lines\nthink\n\nanswer");
  });

  it("sends errors, retries and unusual endings to stderr, after finishing the stdout line", () => {
    const pieces = renderAll([
      { ...base, type: "text-delta", delta: "partial" },
      { ...base, type: "provider-retry", attempt: 0, delayMs: 2000, message: "HTTP 429" },
      { ...base, type: "error", message: "provider failed" },
      { ...base, type: "done", reason: "aborted" },
    ]);
    expect(pieces[0]).toEqual({ stream: "stdout", text: "partial" });
    expect(pieces[1]).toEqual({ stream: "stdout", text: "\n" });
    expect(text(pieces, "stderr")).toBe(
      "[retry] attempt 1 in 2s: HTTP 429\n[error] provider failed\n[done] aborted\n",
    );
  });

  it("colors only when styles are enabled", () => {
    const event: AgentEvent = { ...base, type: "error", message: "x" };
    expect(renderAll([event])[0]?.text).toBe("[error] x\n");
    expect(renderAll([event], { ...plain, styles: createStyles(true) })[0]?.text).toBe(
      "\x1b[31m[error] x\x1b[39m\n",
    );
  });

  it("shortens long tool results only when asked", () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    const event: AgentEvent = {
      ...base,
      type: "tool-result",
      stepId: "s",
      toolCallId: "a",
      toolName: "t",
      content: long,
      isError: false,
    };
    expect(renderAll([event])[0]?.text).toContain("line 39");
    const short = renderAll([event], { ...plain, truncateResults: true })[0]?.text ?? "";
    expect(short).not.toContain("line 39");
    expect(short).toMatch(/… \(\d+ more characters\)\n$/);
    expect(truncate("small")).toBe("small");
  });
});

describe("the conversation table", () => {
  const now = 1_000_000_000_000;
  const meta = (
    id: string,
    title: string,
    status: ConversationMeta["status"],
    ago: number,
  ): ConversationMeta => ({
    id,
    title,
    status,
    createdAt: now - ago,
    lastActivityAt: now - ago,
    workspaceId: "default",
  });

  it("prints short id, status, relative activity and title, cut to the terminal width", () => {
    const out = formatConversations(
      [
        meta("0123456789abcdef", "Fix the build", "active", 90_000),
        meta("fedcba9876543210", "A very long title indeed", "idle", 3 * 86_400_000),
      ],
      now,
      createStyles(false),
      40,
    );
    expect(out).toBe("01234567  active  1m ago      Fix the b…\nfedcba98  idle    3d ago      A very lo…\n");
  });

  it("lengthens short ids until they are unique", () => {
    expect(shortIds(["abcdefgh-1", "abcdefgh-2", "zz"])).toEqual(["abcdefgh-1", "abcdefgh-2", "zz"]);
    expect(shortIds(["abcdefgh1x", "abcdefgh2x"])).toEqual(["abcdefgh1", "abcdefgh2"]);
  });

  it("says how long ago", () => {
    expect(relativeTime(now - 1000, now)).toBe("just now");
    expect(relativeTime(now - 42_000, now)).toBe("42s ago");
    expect(relativeTime(now - 5 * 3_600_000, now)).toBe("5h ago");
    expect(relativeTime(now - 40 * 86_400_000, now)).toBe("2001-07-31");
  });
});
