import type { ChatMessage, TurnMetrics } from "@dispatch/wire";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
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

function metrics(turnId: string, outputTokens: number): TurnMetrics {
  return {
    turnId,
    usage: { inputTokens: 100, outputTokens },
    durationMs: 50,
    steps: [{ stepId: `${turnId}#0`, usage: { inputTokens: 100, outputTokens }, genTotalMs: 40 }],
  };
}

/** Two sealed turns with a tool call, settings and a workspace. */
function seedSource(id: string): void {
  t.store.setWorkspace(id, "web");
  t.store.setCwd(id, "/src/web");
  t.store.setModel(id, "local/qwen3");
  t.store.setReasoningEffort(id, "low");
  t.store.setCompactPercent(id, 70);
  t.store.beginTurn(id, "turn-1");
  t.store.append(id, "turn-1", [user("read a"), calls("a"), results("a"), assistant("done")]);
  t.store.sealTurn(id, metrics("turn-1", 10), "stop");
  t.store.beginTurn(id, "turn-2");
  t.store.append(id, "turn-2", [user("again"), assistant("ok")]);
  t.store.sealTurn(id, metrics("turn-2", 20), "stop");
}

describe("forkHistory", () => {
  it("copies every chunk, message, metric and setting into a closed archive", () => {
    seedSource("live");
    t.clock.now = Date.UTC(2026, 10, 22, 15, 0);
    const archive = t.store.forkHistory("live", "arch-1");
    const source = t.store.getMeta("live");
    expect(archive).toEqual({
      id: "arch-1",
      title: "read a (archived 2026-11-22)",
      status: "closed",
      workspaceId: "web",
      createdAt: source?.createdAt,
      lastActivityAt: source?.lastActivityAt,
    });
    t.reopen();
    expect(t.store.readChunks("arch-1")).toEqual(t.store.readChunks("live"));
    expect(t.store.loadHistory("arch-1")).toEqual(t.store.loadHistory("live"));
    expect(t.store.lastSeq("arch-1")).toBe(6);
    expect(t.store.loadMetrics("arch-1")).toEqual([metrics("turn-1", 10), metrics("turn-2", 20)]);
    expect(t.store.getSettings("arch-1")).toEqual(t.store.getSettings("live"));
    expect(t.store.getCompactPercent("arch-1")).toBe(70);
    expect(t.store.lastAssistantText("arch-1")).toEqual({ content: "ok", turnId: "turn-2" });
    expect(t.store.getMeta("live")?.status).toBe("idle");
  });

  it("leaves the archive out of boot recovery when it forks a running turn", () => {
    t.store.beginTurn("live", "turn-1");
    t.store.setStatus("live", "active");
    t.store.append("live", "turn-1", [user("go"), calls("a")]);
    t.store.forkHistory("live", "arch");
    const report = t.store.recoverInterrupted();
    expect(report.conversations).toEqual(["live"]);
    expect(t.store.getMeta("arch")?.status).toBe("closed");
    expect(t.store.lastSeq("arch")).toBe(2);
  });

  it("refuses an unknown source or an existing target and then writes nothing", () => {
    expect(() => t.store.forkHistory("ghost", "arch")).toThrow(/no conversation "ghost"/);
    expect(t.store.getMeta("arch")).toBeNull();
    t.store.append("live", "turn-1", [user("hi")]);
    t.store.append("other", "turn-9", [user("keep me")]);
    expect(() => t.store.forkHistory("live", "other")).toThrow(/already exists/);
    expect(t.store.loadHistory("other")).toEqual([user("keep me")]);
  });
});

describe("replaceHistory", () => {
  it("renumbers the history from seq 1, keeps turns and metrics, and sets compactedFrom", () => {
    seedSource("live");
    const summary = user("Summary of earlier work");
    t.clock.now = 9_000;
    const stored = t.store.replaceHistory("live", "compaction-1", [summary, assistant("ok")], {
      compactedFrom: "arch-1",
    });
    expect(stored.map((chunk) => chunk.seq)).toEqual([1, 2]);
    t.reopen();
    expect(t.store.readChunks("live").chunks.map((chunk) => chunk.seq)).toEqual([1, 2]);
    expect(t.store.lastSeq("live")).toBe(2);
    expect(t.store.loadHistory("live")).toEqual([summary, assistant("ok")]);
    expect(t.store.getMeta("live")).toMatchObject({ compactedFrom: "arch-1", lastActivityAt: 9_000 });
    expect(t.store.loadMetrics("live").map((turn) => turn.turnId)).toEqual(["turn-1", "turn-2"]);
    expect(t.store.lastAssistantText("live")).toEqual({ content: "ok", turnId: "compaction-1" });
    // The next turn continues gap-free after the replacement.
    expect(t.store.append("live", "turn-3", [user("next")])[0]?.seq).toBe(3);
  });

  it("rolls back entirely when an appended message is invalid", () => {
    t.store.append("live", "turn-1", [user("original"), assistant("answer")]);
    const bad = { role: "robot", chunks: [{ type: "text", text: "x" }] } as unknown as ChatMessage;
    expect(() => t.store.replaceHistory("live", "compaction-1", [user("summary"), bad])).toThrow();
    expect(t.store.loadHistory("live")).toEqual([user("original"), assistant("answer")]);
    expect(t.store.lastSeq("live")).toBe(2);
  });

  it("leaves compactedFrom alone when none is given", () => {
    t.store.append("live", "turn-1", [user("original")]);
    t.store.replaceHistory("live", "c-1", [user("short")], { compactedFrom: "arch-1" });
    t.store.replaceHistory("live", "c-2", [user("shorter")]);
    expect(t.store.getMeta("live")?.compactedFrom).toBe("arch-1");
  });
});

describe("compaction as the compaction service does it", () => {
  it("chains archives back through compactedFrom", () => {
    t.store.append("live", "turn-1", [user("first era")]);
    t.store.forkHistory("live", "arch-1");
    t.store.replaceHistory("live", "c-1", [user("summary 1")], { compactedFrom: "arch-1" });
    t.store.append("live", "turn-2", [user("second era")]);
    t.store.forkHistory("live", "arch-2");
    t.store.replaceHistory("live", "c-2", [user("summary 2")], { compactedFrom: "arch-2" });

    const chain: string[] = [];
    let next = t.store.getMeta("live")?.compactedFrom;
    while (next) {
      chain.push(next);
      next = t.store.getMeta(next)?.compactedFrom;
    }
    expect(chain).toEqual(["arch-2", "arch-1"]);
    expect(t.store.loadHistory("arch-2")).toEqual([user("summary 1"), user("second era")]);
    expect(t.store.loadHistory("arch-1")).toEqual([user("first era")]);
    expect(t.store.getMeta("arch-1")?.compactedFrom).toBeUndefined();
    expect(t.store.listWorkspaces()).toEqual([
      expect.objectContaining({ id: "default", conversationCount: 3 }),
    ]);
  });
});

describe("compact percent", () => {
  it("is null until set, persists, clears with null and rejects values outside 0-100", () => {
    expect(t.store.getCompactPercent("c")).toBeNull();
    t.store.setCompactPercent("c", 0);
    expect(t.store.getCompactPercent("c")).toBe(0);
    t.store.setCompactPercent("c", 72.5);
    t.reopen();
    expect(t.store.getCompactPercent("c")).toBe(72.5);
    for (const bad of [-1, 101, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => t.store.setCompactPercent("c", bad)).toThrow(RangeError);
    }
    t.store.setCompactPercent("c", null);
    expect(t.store.getCompactPercent("c")).toBeNull();
  });
});
