import type { ChatMessage } from "@dispatch/wire";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { INTERRUPTED_TOOL_RESULT, reconcile } from "./reconcile.ts";
import {
  assistant,
  calls,
  openTestStore,
  results,
  type TestStore,
  user,
} from "./test-fixtures/open-store.ts";

let t: TestStore;

beforeEach(() => {
  t = openTestStore();
});

afterEach(() => {
  t.dispose();
});

/** The stored log regrouped into messages, without reconciling. */
function rawMessages(id: string): ChatMessage[] {
  const out: ChatMessage[] = [];
  let last = -1;
  for (const row of t.storage.sql
    .prepare<{ msg_index: number; role: ChatMessage["role"]; data: string }>(
      "SELECT c.msg_index, m.role, c.data FROM chunks c JOIN messages m USING (conversation_id, msg_index) WHERE c.conversation_id = ? ORDER BY c.seq",
    )
    .all(id)) {
    if (row.msg_index !== last) out.push({ role: row.role, chunks: [] });
    last = row.msg_index;
    out.at(-1)?.chunks.push(JSON.parse(row.data));
  }
  return out;
}

function turnStatus(id: string): string | undefined {
  return t.storage.sql.prepare<{ status: string }>("SELECT status FROM turns WHERE id = ?").get(id)?.status;
}

describe("recoverInterrupted", () => {
  it("repairs the stored log of a crashed turn, so reconcile has nothing left to do", () => {
    t.store.append("c", "turn-1", [user("first")]);
    t.store.beginTurn("c", "turn-2");
    t.store.setStatus("c", "active");
    t.store.append("c", "turn-2", [user("read three files")]);
    const callStep = calls("a", "b", "c");
    callStep.chunks = callStep.chunks.map((chunk) => ({ ...chunk, stepId: "turn-2#0" }));
    t.store.append("c", "turn-2", [callStep, results("a")]);
    t.store.append("c", "turn-2", [results("c")]);
    expect(t.store.lastSeq("c")).toBe(7);
    t.reopen();

    expect(t.store.recoverInterrupted()).toEqual({
      conversations: ["c"],
      interruptedTurns: 1,
      repairedToolCalls: 1,
    });

    expect(t.store.getMeta("c")?.status).toBe("idle");
    expect(turnStatus("turn-2")).toBe("interrupted");
    expect(t.store.readChunks("c", { sinceSeq: 7 })).toEqual({
      chunks: [
        {
          seq: 8,
          role: "tool",
          chunk: {
            type: "tool-result",
            toolCallId: "b",
            toolName: "read_file",
            content: INTERRUPTED_TOOL_RESULT,
            isError: true,
            stepId: "turn-2#0",
          },
        },
      ],
      latestSeq: 8,
    });
    const stored = rawMessages("c");
    expect(reconcile(stored)).toEqual({ messages: stored, repairs: [] });
    expect(t.store.loadHistory("c")).toEqual(stored);
    // The repair is attributed to the interrupted turn.
    expect(
      t.storage.sql
        .prepare("SELECT turn_id FROM messages WHERE conversation_id = ? AND msg_index = 5")
        .get("c"),
    ).toEqual({
      turn_id: "turn-2",
    });
  });

  it("is idempotent and leaves finished conversations alone", () => {
    t.store.beginTurn("done", "turn-1");
    t.store.append("done", "turn-1", [user("q"), assistant("a")]);
    t.store.sealTurn(
      "done",
      { turnId: "turn-1", usage: { inputTokens: 1, outputTokens: 1 }, steps: [] },
      "stop",
    );
    t.store.beginTurn("crashed", "turn-2");
    t.store.setStatus("crashed", "active");
    t.store.append("crashed", "turn-2", [user("q"), calls("x")]);
    const activityBefore = t.store.getMeta("crashed")?.lastActivityAt;
    t.clock.now += 60_000;

    expect(t.store.recoverInterrupted()).toEqual({
      conversations: ["crashed"],
      interruptedTurns: 1,
      repairedToolCalls: 1,
    });
    expect(t.store.recoverInterrupted()).toEqual({
      conversations: [],
      interruptedTurns: 0,
      repairedToolCalls: 0,
    });
    expect(t.store.lastSeq("done")).toBe(2);
    expect(turnStatus("turn-1")).toBe("sealed");
    expect(t.store.lastSeq("crashed")).toBe(3);
    // Recovery is not activity: the conversation does not jump to the top of the list.
    expect(t.store.getMeta("crashed")?.lastActivityAt).toBe(activityBefore);
  });

  it("sets queued and active conversations idle even without a running turn", () => {
    t.store.setStatus("q", "queued");
    t.store.setStatus("a", "active");
    t.store.setStatus("closed", "closed");
    const report = t.store.recoverInterrupted();
    expect(report.conversations.sort()).toEqual(["a", "q"]);
    expect(t.store.getMeta("q")?.status).toBe("idle");
    expect(t.store.getMeta("closed")?.status).toBe("closed");
  });

  it("does not append after a later message; reading still repairs the history", () => {
    t.store.beginTurn("c", "turn-1");
    t.store.append("c", "turn-1", [calls("x"), user("steer")]);
    expect(t.store.recoverInterrupted()).toEqual({
      conversations: [],
      interruptedTurns: 1,
      repairedToolCalls: 0,
    });
    expect(t.store.lastSeq("c")).toBe(2);
    expect(t.store.loadHistory("c").map((message) => message.role)).toEqual(["assistant", "tool", "user"]);
  });
});
