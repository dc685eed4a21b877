/**
 * The trace store on a real SQLite file: idempotent inserts, bodies stored once and compressed,
 * the cursor committed atomically with its batch, turn queries, and retention by age and size.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogRecord } from "@dispatch/kernel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTraceStore, type TraceStore } from "./store.ts";

const DAY = 24 * 60 * 60 * 1000;
const NOW = 1_800_000_000_000;

let dir: string;
let store: TraceStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "trace-store-"));
  store = createTraceStore({ path: join(dir, "traces.db"), now: () => NOW });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function log(n: number, extra: Partial<LogRecord> = {}): LogRecord {
  return {
    kind: "log",
    level: "info",
    msg: `m${n}`,
    timestamp: NOW + n,
    extensionId: "x",
    ...extra,
  } as LogRecord;
}

function span(
  kind: "span-open" | "span-close",
  spanId: string,
  name: string,
  extra: Partial<LogRecord> = {},
) {
  const base = {
    kind,
    spanId,
    name,
    timestamp: NOW,
    extensionId: "kernel",
    turnId: "t1",
    conversationId: "c1",
  };
  const close = kind === "span-close" ? { durationMs: 10, status: "ok" } : {};
  return { ...base, ...close, ...extra } as LogRecord;
}

describe("createTraceStore", () => {
  it("inserts idempotently: the same record twice (any key order) is stored once", () => {
    const record = log(1, { attributes: { a: 1, b: "two" } });
    expect(store.insertRecords([record, log(2)])).toEqual({ inserted: 2, duplicates: 0 });
    const reordered = JSON.parse(JSON.stringify({ attributes: { b: "two", a: 1 }, ...record })) as LogRecord;
    expect(store.insertRecords([reordered])).toEqual({ inserted: 0, duplicates: 1 });
    expect(store.stats().records).toBe(2);
  });

  it("stores a body once by content, compresses large bodies and reads them back", () => {
    const big = JSON.stringify({
      messages: Array.from({ length: 200 }, (_, i) => ({ role: "user", content: `hi ${i}` })),
    });
    store.insertRecords([log(1, { body: big }), log(2, { body: big }), log(3, { body: "small" })]);
    const stats = store.stats();
    expect(stats.bodies).toBe(2);
    expect(stats.storedBodyBytes).toBeLessThan(stats.originalBodyBytes);
    const ids = store.findIds("", 10);
    const bodies = ids.map((id) => store.getBody(id));
    expect(bodies.filter((body) => body === big).length).toBeGreaterThanOrEqual(2);
    expect(bodies).toContain("small");
  });

  it("commits the cursor with its batch, and neither when the batch fails", () => {
    store.insertRecords([log(1)], { cursor: { name: "journal", value: "a:100" } });
    expect(store.getCursor("journal")).toMatchObject({ value: "a:100", inserted: 1, duplicates: 0 });
    const broken = {
      kind: "log",
      level: "info",
      msg: "no extension id",
      timestamp: 5,
    } as unknown as LogRecord;
    expect(() =>
      store.insertRecords([log(2), broken], { cursor: { name: "journal", value: "a:200" } }),
    ).toThrow();
    expect(store.getCursor("journal")).toMatchObject({ value: "a:100", inserted: 1, duplicates: 0 });
    expect(store.stats().records).toBe(1);
    store.insertRecords([log(1), log(3)], { cursor: { name: "journal", value: "a:300" } });
    expect(store.getCursor("journal")).toMatchObject({ value: "a:300", inserted: 2, duplicates: 1 });
  });

  it("lists turns newest first with steps, status and tokens, and returns a turn's records in order", () => {
    store.insertRecords([
      span("span-open", "T1", "turn"),
      span("span-open", "S1", "step", { parentSpanId: "T1", timestamp: NOW + 1 }),
      span("span-close", "P1", "provider.request", {
        parentSpanId: "S1",
        timestamp: NOW + 5,
        attributes: { "usage.inputTokens": 100, "usage.outputTokens": 7, "usage.cacheReadTokens": 64 },
      }),
      span("span-close", "S1", "step", {
        parentSpanId: "T1",
        timestamp: NOW + 6,
        attributes: { inputTokens: 999 },
      }),
      span("span-close", "T1", "turn", { timestamp: NOW + 7, durationMs: 7 }),
      span("span-open", "T2", "turn", { turnId: "t2", conversationId: "c2", timestamp: NOW + 100 }),
    ]);
    const turns = store.listTurns();
    expect(turns.map((turn) => turn.turnId)).toEqual(["t2", "t1"]);
    expect(turns[1]).toMatchObject({ conversationId: "c1", steps: 1, status: "ok", durationMs: 7 });
    expect(turns[1]?.tokens).toEqual({ inputTokens: 100, outputTokens: 7, cacheReadTokens: 64 });
    expect(turns[0]).toMatchObject({ status: "open", durationMs: null, tokens: null });
    expect(store.listTurns({ conversationId: "c2" }).map((turn) => turn.turnId)).toEqual(["t2"]);
    expect(store.getTurn("t1").map((trace) => trace.record.kind)).toEqual([
      "span-open",
      "span-open",
      "span-close",
      "span-close",
      "span-close",
    ]);
    expect(store.findTurnIds("t")).toEqual(["t1", "t2"]);
  });

  it("prunes records older than maxAgeMs and the bodies only they used", () => {
    store.insertRecords([
      log(1, { timestamp: NOW - 10 * DAY, body: "old only" }),
      log(2, { timestamp: NOW - 10 * DAY, body: "shared" }),
      log(3, { timestamp: NOW - DAY, body: "shared" }),
    ]);
    const result = store.prune({ maxAgeMs: 7 * DAY });
    expect(result.recordsDeleted).toBe(2);
    expect(result.bodiesDeleted).toBe(1);
    expect(store.stats()).toMatchObject({ records: 1, bodies: 1 });
    const [remaining] = store.findIds("", 1);
    expect(remaining && store.getBody(remaining)).toBe("shared");
  });

  it("evicts least recently used bodies until the stored bytes fit, keeping the records", () => {
    const body = (n: number) => `${n}`.repeat(600);
    store.insertRecords([1, 2, 3].map((n) => log(n, { timestamp: NOW - n * 1000, body: body(n) })));
    const result = store.prune({ maxTotalBodyBytes: 1300 });
    expect(result).toEqual({ recordsDeleted: 0, bodiesDeleted: 1, bytesReclaimed: 600 });
    expect(store.stats()).toMatchObject({ records: 3, bodies: 2 });
    const records = store.findIds("", 10).flatMap((id) => store.getRecord(id) ?? []);
    expect(records).toHaveLength(3);
    expect(records.filter((trace) => trace.bodySize === null)).toHaveLength(1);
  });

  it("keeps everything across close and reopen", () => {
    store.insertRecords([log(1, { body: "b" })], { cursor: { name: "c", value: "v" } });
    store.close();
    store = createTraceStore({ path: join(dir, "traces.db") });
    expect(store.stats()).toMatchObject({ records: 1, bodies: 1 });
    expect(store.getCursor("c")?.value).toBe("v");
  });
});
