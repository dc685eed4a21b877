import type { ChatMessage, TurnMetrics } from "@dispatch/wire";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HISTORY_SQL, WINDOW_SQL } from "./chunk-log.ts";
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

/** Appends `count` chunks to `id` as one user message each. */
function fill(id: string, count: number): void {
  for (let i = 1; i <= count; i++) t.store.append(id, "turn-1", [user(`m${i}`)]);
}

describe("ensureConversation and metadata", () => {
  it("creates an idle conversation in the default workspace once", () => {
    t.clock.now = 5_000;
    expect(t.store.ensureConversation("c1")).toEqual({
      id: "c1",
      createdAt: 5_000,
      lastActivityAt: 5_000,
      title: "",
      status: "idle",
      workspaceId: "default",
    });
    t.clock.now = 6_000;
    expect(t.store.ensureConversation("c1", { workspaceId: "other" }).workspaceId).toBe("default");
    expect(t.store.ensureConversation("c2", { workspaceId: "other" }).workspaceId).toBe("other");
    expect(t.store.getMeta("missing")).toBeNull();
  });

  it("setters persist and create an unknown conversation", () => {
    t.store.setStatus("new", "active");
    t.store.setTitle("new", "Renamed");
    t.store.setWorkspace("new", "ws");
    t.reopen();
    expect(t.store.getMeta("new")).toMatchObject({ status: "active", title: "Renamed", workspaceId: "ws" });
  });
});

describe("settings", () => {
  it("round-trip, clear with null, and survive a reopen", () => {
    expect(t.store.getSettings("c")).toEqual({ cwd: null, model: null, reasoningEffort: null });
    t.store.setCwd("c", "/home/me/project");
    t.store.setModel("c", "qwen3");
    t.store.setReasoningEffort("c", "xhigh");
    t.reopen();
    expect(t.store.getSettings("c")).toEqual({
      cwd: "/home/me/project",
      model: "qwen3",
      reasoningEffort: "xhigh",
    });
    t.store.setCwd("c", null);
    t.store.setModel("c", "");
    t.store.setReasoningEffort("c", null);
    expect(t.store.getSettings("c")).toEqual({ cwd: null, model: null, reasoningEffort: null });
  });
});

describe("append", () => {
  it("assigns 1-based gap-free seqs across many appends and a reopen", () => {
    const seqs: number[] = [];
    for (let i = 0; i < 40; i++) {
      const batch: ChatMessage[] =
        i % 3 === 0 ? [user(`q${i}`)] : [calls(`a${i}`, `b${i}`), results(`a${i}`, `b${i}`)];
      seqs.push(...t.store.append("c", `turn-${i}`, batch).map((chunk) => chunk.seq));
      if (i === 20) t.reopen();
    }
    const expected = Array.from({ length: seqs.length }, (_, i) => i + 1);
    expect(seqs).toEqual(expected);
    t.reopen();
    expect(t.store.readChunks("c").chunks.map((chunk) => chunk.seq)).toEqual(expected);
    expect(t.store.lastSeq("c")).toBe(seqs.length);
    expect(t.store.lastSeq("other")).toBe(0);
  });

  it("returns the stored chunks with their roles and keeps conversations apart", () => {
    const stored = t.store.append("a", "turn-1", [user("hi"), assistant("hello")]);
    expect(stored).toEqual([
      { seq: 1, role: "user", chunk: { type: "text", text: "hi" } },
      { seq: 2, role: "assistant", chunk: { type: "text", text: "hello" } },
    ]);
    expect(t.store.append("b", "turn-2", [user("other")])[0]?.seq).toBe(1);
  });

  it("updates lastActivityAt and skips messages without chunks", () => {
    t.store.ensureConversation("c");
    t.clock.now = 9_000;
    const stored = t.store.append("c", "turn-1", [{ role: "assistant", chunks: [] }, user("x")]);
    expect(stored.map((chunk) => chunk.seq)).toEqual([1]);
    expect(t.store.getMeta("c")?.lastActivityAt).toBe(9_000);
    expect(t.store.loadHistory("c")).toEqual([user("x")]);
  });

  it("with touch: false writes the log only; the title is still set while empty", () => {
    t.clock.now = 2_000;
    t.store.upsertWorkspace("web");
    t.store.ensureConversation("c", { workspaceId: "web" });
    t.clock.now = 3_000;
    const stored = t.store.append("c", "turn-1", [assistant("step")], { touch: false });
    expect(stored.map((chunk) => chunk.seq)).toEqual([1]);
    expect(t.store.getMeta("c")).toMatchObject({ lastActivityAt: 2_000, title: "" });
    expect(t.store.getWorkspace("web")?.lastActivityAt).toBe(2_000);
    t.store.append("c", "turn-1", [user("steering text")], { touch: false });
    expect(t.store.getMeta("c")).toMatchObject({ lastActivityAt: 2_000, title: "steering text" });
    t.store.append("c", "turn-1", [user("not the title")], { touch: false });
    expect(t.store.getMeta("c")?.title).toBe("steering text");
    // Gap-free across both kinds of append, and an unknown conversation is still created.
    expect(t.store.append("c", "turn-1", [user("x")])[0]?.seq).toBe(4);
    expect(t.store.append("new", "turn-1", [assistant("y")], { touch: false })[0]?.seq).toBe(1);
    expect(t.store.getMeta("new")).toMatchObject({ status: "idle", workspaceId: "default" });
  });

  it("a step append (touch: false) rewrites no conversation metadata: the turn's seal stamps activity", () => {
    t.store.ensureConversation("c");
    t.store.append("c", "turn-1", [user("hi")]);
    t.clock.now = 7_000;
    const before = t.storage.sql.prepare<{ n: number }>("SELECT total_changes() AS n").get()?.n;
    t.store.append("c", "turn-1", [assistant("a"), results("call-1")], { touch: false });
    const after = t.storage.sql.prepare<{ n: number }>("SELECT total_changes() AS n").get()?.n;
    // Two message rows, two chunk rows and the last seq: no upsert of the conversation row, no
    // activity stamp on it or its workspace.
    expect((after ?? 0) - (before ?? 0)).toBe(5);
    expect(t.store.getMeta("c")?.lastActivityAt).toBe(1_000);
    t.clock.now = 8_000;
    t.store.sealTurn(
      "c",
      { turnId: "turn-1", usage: { inputTokens: 1, outputTokens: 1 }, steps: [] },
      "stop",
    );
    expect(t.store.getMeta("c")?.lastActivityAt).toBe(8_000);
    expect(t.store.getWorkspace("default")?.lastActivityAt).toBe(8_000);
  });

  it("sets the title from the first user text once, and again only after it is cleared", () => {
    t.store.append("c", "turn-1", [assistant("I speak first")]);
    expect(t.store.getMeta("c")?.title).toBe("");
    t.store.append("c", "turn-1", [user("  Refactor\n the   parser  "), user("not this")]);
    expect(t.store.getMeta("c")?.title).toBe("Refactor the parser");
    t.store.append("c", "turn-2", [user("later text")]);
    expect(t.store.getMeta("c")?.title).toBe("Refactor the parser");
    t.store.setTitle("c", "");
    t.store.append("c", "turn-3", [user("x".repeat(100))]);
    expect(t.store.getMeta("c")?.title).toBe(`${"x".repeat(79)}…`);
  });
});

describe("loadHistory", () => {
  it("regroups exactly the messages appended, per step and with consecutive same-role messages", () => {
    const thinking: ChatMessage = {
      role: "assistant",
      chunks: [
        { type: "thinking", text: "plan" },
        { type: "text", text: "reading" },
        { type: "tool-call", toolCallId: "a", toolName: "read_file", input: { path: "a" }, stepId: "t1#0" },
      ],
    };
    const batches: ChatMessage[][] = [
      [user("first"), user("second, same role")],
      [user("third, appended alone")],
      [thinking, results("a")],
      [calls("b")],
      [results("b")],
      [assistant("one"), assistant("two, same role")],
      [{ role: "assistant", chunks: [{ type: "thinking", text: "only thinking" }] }],
      [user("next turn")],
    ];
    batches.forEach((batch, i) => {
      t.store.append("c", `turn-${i}`, batch);
    });
    const appended = batches.flat();
    expect(t.store.loadHistory("c")).toEqual(appended);
    t.reopen();
    expect(t.store.loadHistory("c")).toEqual(appended);
  });

  it("returns the reconciled view while the stored log stays raw", () => {
    t.store.append("c", "turn-1", [
      user("go"),
      {
        role: "assistant",
        chunks: [{ type: "tool-call", toolCallId: "a", toolName: "t", input: "{broken" }],
      },
      { role: "assistant", chunks: [{ type: "error", message: "provider 500" }] },
    ]);
    const history = t.store.loadHistory("c");
    expect(history.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
    expect(history[1]?.chunks[0]).toMatchObject({ type: "tool-call", input: {} });
    expect(history[2]?.chunks[0]).toMatchObject({ type: "tool-result", toolCallId: "a", isError: true });
    expect(t.store.readChunks("c").chunks.map((chunk) => chunk.chunk.type)).toEqual([
      "text",
      "tool-call",
      "error",
    ]);
    expect(t.store.loadHistory("unknown")).toEqual([]);
  });
});

describe("readChunks", () => {
  const seqsOf = (window?: Parameters<TestStore["store"]["readChunks"]>[1]) => {
    const { chunks, latestSeq } = t.store.readChunks("c", window);
    return { seqs: chunks.map((chunk) => chunk.seq), latestSeq };
  };

  it("selects since < seq < before, keeps the newest `limit`, ascending", () => {
    fill("c", 10);
    expect(seqsOf()).toEqual({ seqs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], latestSeq: 10 });
    expect(seqsOf({ limit: 3 })).toEqual({ seqs: [8, 9, 10], latestSeq: 10 });
    expect(seqsOf({ beforeSeq: 8, limit: 3 })).toEqual({ seqs: [5, 6, 7], latestSeq: 7 });
    expect(seqsOf({ sinceSeq: 7 })).toEqual({ seqs: [8, 9, 10], latestSeq: 10 });
    expect(seqsOf({ sinceSeq: 3, beforeSeq: 6 })).toEqual({ seqs: [4, 5], latestSeq: 5 });
    expect(seqsOf({ sinceSeq: 2, beforeSeq: 9, limit: 2 })).toEqual({ seqs: [7, 8], latestSeq: 8 });
    expect(seqsOf({ beforeSeq: 2 })).toEqual({ seqs: [1], latestSeq: 1 });
  });

  it("reports sinceSeq (or 0) as latestSeq for an empty window", () => {
    fill("c", 4);
    expect(seqsOf({ sinceSeq: 4 })).toEqual({ seqs: [], latestSeq: 4 });
    expect(seqsOf({ sinceSeq: 50 })).toEqual({ seqs: [], latestSeq: 50 });
    expect(seqsOf({ beforeSeq: 1 })).toEqual({ seqs: [], latestSeq: 0 });
    expect(t.store.readChunks("unknown", { sinceSeq: 3 })).toEqual({ chunks: [], latestSeq: 3 });
    expect(t.store.readChunks("unknown")).toEqual({ chunks: [], latestSeq: 0 });
  });

  it("treats non-positive and non-integer bounds as absent", () => {
    fill("c", 5);
    const all = { seqs: [1, 2, 3, 4, 5], latestSeq: 5 };
    expect(seqsOf({ sinceSeq: -1, beforeSeq: 0, limit: 0 })).toEqual(all);
    expect(seqsOf({ sinceSeq: 1.5, beforeSeq: 2.5, limit: -3 })).toEqual(all);
    expect(seqsOf({ sinceSeq: Number.NaN, beforeSeq: Number.POSITIVE_INFINITY, limit: 1e300 })).toEqual(all);
  });

  it("returns roles and chunks as appended", () => {
    t.store.append("c", "turn-1", [user("q"), calls("a"), results("a")]);
    expect(t.store.readChunks("c", { sinceSeq: 1 }).chunks).toEqual([
      { seq: 2, role: "assistant", chunk: calls("a").chunks[0] },
      { seq: 3, role: "tool", chunk: results("a").chunks[0] },
    ]);
  });

  it("reads a 500-turn conversation's newest window through the primary key, with no scan or sort", () => {
    for (let turn = 0; turn < 500; turn++) {
      t.store.append("big", `turn-${turn}`, [
        user(`q${turn}`),
        calls(`c${turn}`),
        results(`c${turn}`),
        assistant("ok"),
      ]);
    }
    fill("neighbour", 3);
    const { chunks, latestSeq } = t.store.readChunks("big", { limit: 200 });
    expect(chunks.map((chunk) => chunk.seq)).toEqual(Array.from({ length: 200 }, (_, i) => 1801 + i));
    expect(latestSeq).toBe(2000);

    const plan = (sql: string, ...params: (string | number)[]) =>
      t.storage.sql
        .prepare<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...params)
        .map((row) => row.detail);
    expect(plan(WINDOW_SQL, "big", 0, 2001, 200)).toEqual([
      "SEARCH c USING PRIMARY KEY (conversation_id=? AND seq>? AND seq<?)",
      "SEARCH m USING PRIMARY KEY (conversation_id=? AND msg_index=?)",
    ]);
    expect(plan(HISTORY_SQL, "big")).toEqual([
      "SEARCH c USING PRIMARY KEY (conversation_id=?)",
      "SEARCH m USING PRIMARY KEY (conversation_id=? AND msg_index=?)",
    ]);
  });
});

describe("turns and metrics", () => {
  const metrics = (turnId: string, inputTokens: number): TurnMetrics => ({
    turnId,
    usage: { inputTokens, outputTokens: 7, cacheReadTokens: 3 },
    durationMs: 1_234,
    steps: [{ stepId: `${turnId}#0`, usage: { inputTokens, outputTokens: 7 }, ttftMs: 120, decodeMs: 300 }],
    contextSize: inputTokens + 7,
  });

  it("seals turns and loads their metrics in seal order", () => {
    t.store.beginTurn("c", "turn-b");
    t.store.beginTurn("c", "turn-a");
    t.store.sealTurn("c", metrics("turn-a", 100), "stop");
    t.store.sealTurn("c", metrics("turn-b", 200), "tool-calls");
    t.reopen();
    expect(t.store.loadMetrics("c")).toEqual([metrics("turn-a", 100), metrics("turn-b", 200)]);
    expect(t.store.loadMetrics("other")).toEqual([]);
    const turns = t.storage.sql
      .prepare("SELECT id, status, finish_reason FROM turns WHERE conversation_id = ? ORDER BY id")
      .all("c");
    expect(turns).toEqual([
      { id: "turn-a", status: "sealed", finish_reason: "stop" },
      { id: "turn-b", status: "sealed", finish_reason: "tool-calls" },
    ]);
  });

  it("seals a turn that was never begun, and resealing replaces its metrics in place", () => {
    t.store.sealTurn("c", metrics("turn-1", 1), "stop");
    t.store.sealTurn("c", metrics("turn-2", 2), "stop");
    t.store.sealTurn("c", metrics("turn-1", 10), "aborted");
    expect(t.store.loadMetrics("c").map((m) => m.usage.inputTokens)).toEqual([10, 2]);
  });
});

describe("lastAssistantText", () => {
  it("concatenates the text chunks of the last assistant message", () => {
    expect(t.store.lastAssistantText("c")).toEqual({ content: "" });
    t.store.append("c", "turn-1", [
      user("q"),
      {
        role: "assistant",
        chunks: [
          { type: "text", text: "Hello, " },
          { type: "tool-call", toolCallId: "a", toolName: "t", input: {} },
          { type: "text", text: "world" },
        ],
      },
      results("a"),
    ]);
    expect(t.store.lastAssistantText("c")).toEqual({ content: "Hello, world", turnId: "turn-1" });
    t.store.append("c", "turn-2", [{ role: "assistant", chunks: [{ type: "thinking", text: "hm" }] }]);
    expect(t.store.lastAssistantText("c")).toEqual({ content: "", turnId: "turn-2" });
  });
});

describe("transaction", () => {
  const running = () =>
    t.storage.sql.prepare<{ id: string; status: string }>("SELECT id, status FROM turns ORDER BY id").all();

  it("commits a turn's opening writes together and returns fn's value", () => {
    const stored = t.store.transaction(() => {
      t.store.ensureConversation("c", { workspaceId: "ws" });
      t.store.setStatus("c", "active");
      t.store.beginTurn("c", "turn-1");
      return t.store.append("c", "turn-1", [user("hello")]);
    });
    expect(stored.map((chunk) => chunk.seq)).toEqual([1]);
    t.reopen();
    expect(t.store.getMeta("c")).toMatchObject({ status: "active", workspaceId: "ws", title: "hello" });
    expect(running()).toEqual([{ id: "turn-1", status: "running" }]);
    expect(t.store.loadHistory("c")).toEqual([user("hello")]);
  });

  it("rolls every write back when fn throws, and rethrows", () => {
    t.store.append("c", "turn-0", [user("before")]);
    expect(() =>
      t.store.transaction(() => {
        t.store.setStatus("c", "active");
        t.store.beginTurn("c", "turn-1");
        t.store.append("c", "turn-1", [user("lost")]);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(t.store.getMeta("c")?.status).toBe("idle");
    expect(running()).toEqual([]);
    expect(t.store.loadHistory("c")).toEqual([user("before")]);
    expect(t.store.lastSeq("c")).toBe(1);
  });

  it("seals and sets the final status in one commit", () => {
    t.store.beginTurn("c", "turn-1");
    t.store.transaction(() => {
      t.store.sealTurn(
        "c",
        { turnId: "turn-1", usage: { inputTokens: 1, outputTokens: 2 }, steps: [] },
        "stop",
      );
      t.store.setStatus("c", "idle");
    });
    expect(running()).toEqual([{ id: "turn-1", status: "sealed" }]);
    expect(t.store.loadMetrics("c")).toHaveLength(1);
  });
});
