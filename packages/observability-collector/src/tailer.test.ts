/**
 * The journal tailer against the real journal sink on real files: following rotations between two
 * polls, resuming from a saved cursor after rotation, torn lines, chunk and line limits, re-delivery
 * after a failed batch, and reporting generations that were dropped before they were read.
 */
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createJournalSink, type JournalSink, parseHeaderLine } from "@dispatch/journal-sink";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectingLogger, messages } from "./fixtures/processes.ts";
import { createJournalTailer, type JournalCursor, type TailBatch } from "./tailer.ts";

let dir: string;
let path: string;
let sink: JournalSink;
let next = 0;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tailer-"));
  path = join(dir, "app.ndjson");
  sink = createJournalSink({ path, maxBytes: 1000, generations: 20, fsyncIntervalMs: 0 });
  next = 0;
});

afterEach(() => {
  sink.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(count: number, size = 20): void {
  for (let i = 0; i < count; i += 1) {
    sink.emit({
      kind: "log",
      level: "info",
      msg: "x".repeat(size),
      timestamp: 1,
      extensionId: "w",
      attributes: { n: next },
    });
    next += 1;
  }
}

/** Polls and returns the `n` of every record line (headers dropped) and the last cursor. */
function pollAll(tailer: ReturnType<typeof createJournalTailer>): {
  ns: number[];
  cursor?: JournalCursor;
  skipped: number;
} {
  const ns: number[] = [];
  let cursor: JournalCursor | undefined;
  let skipped = 0;
  tailer.poll((batch: TailBatch) => {
    for (const line of batch.lines) {
      if (parseHeaderLine(line)) continue;
      ns.push((JSON.parse(line) as { attributes: { n: number } }).attributes.n);
    }
    cursor = batch.cursor;
    skipped += batch.skipped;
  });
  return cursor ? { ns, cursor, skipped } : { ns, skipped };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("createJournalTailer", () => {
  it("reads every record exactly once while the journal rotates several times between polls", () => {
    const { logger } = collectingLogger();
    const tailer = createJournalTailer({ path, cursor: null, logger, chunkBytes: 256 });
    write(5);
    expect(pollAll(tailer).ns).toEqual(range(0, 5));
    write(60);
    expect(pollAll(tailer).ns).toEqual(range(5, 65));
    expect(pollAll(tailer).ns).toEqual([]);
    tailer.close();
  });

  it("resumes from a saved cursor after its file was rotated away from the live name", () => {
    const { logger } = collectingLogger();
    const first = createJournalTailer({ path, cursor: null, logger });
    write(7);
    const { cursor } = pollAll(first);
    first.close();
    write(50);
    const second = createJournalTailer({ path, cursor: cursor ?? null, logger });
    expect(pollAll(second).ns).toEqual(range(7, 57));
    second.close();
  });

  it("holds a torn last line until it is complete", () => {
    const { logger } = collectingLogger();
    const tailer = createJournalTailer({ path, cursor: null, logger });
    write(1);
    pollAll(tailer);
    appendFileSync(path, '{"kind":"log","level":"info","msg":"late","timestamp":1,');
    expect(pollAll(tailer).ns).toEqual([]);
    appendFileSync(path, '"extensionId":"w","attributes":{"n":99}}\n');
    expect(pollAll(tailer).ns).toEqual([99]);
    tailer.close();
  });

  it("reads lines longer than a chunk and skips lines longer than the limit", () => {
    sink.close();
    sink = createJournalSink({ path, maxBytes: 1_000_000, fsyncIntervalMs: 0 });
    const { logger, records } = collectingLogger();
    const tailer = createJournalTailer({ path, cursor: null, logger, chunkBytes: 64, maxLineBytes: 5000 });
    write(1, 3000);
    write(1, 9000);
    write(1, 10);
    const result = pollAll(tailer);
    expect(result.ns).toEqual([0, 2]);
    expect(result.skipped).toBe(1);
    expect(messages(records, "warn")).toEqual(["skipped an over-long journal line"]);
    tailer.close();
  });

  it("delivers the same lines again after a batch fails", () => {
    const { logger } = collectingLogger();
    const tailer = createJournalTailer({ path, cursor: null, logger });
    write(3);
    expect(() =>
      tailer.poll(() => {
        throw new Error("database is locked");
      }),
    ).toThrow("database is locked");
    expect(pollAll(tailer).ns).toEqual(range(0, 3));
    tailer.close();
  });

  it("continues from the oldest file, reporting the loss, when unread generations were dropped", () => {
    sink.close();
    sink = createJournalSink({ path, maxBytes: 600, generations: 2, fsyncIntervalMs: 0 });
    const { logger, records } = collectingLogger();
    const first = createJournalTailer({ path, cursor: null, logger });
    write(2);
    const { cursor } = pollAll(first);
    first.close();
    write(40);
    const second = createJournalTailer({ path, cursor: cursor ?? null, logger });
    expect(pollAll(second).ns).toEqual([]);
    const resumed = pollAll(second).ns;
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.at(-1)).toBe(41);
    expect(resumed).toEqual(range(resumed[0] ?? 0, 42));
    expect(messages(records, "warn")).toEqual([
      "journal records were lost before ingestion: the cursor's journal file was rotated away",
    ]);
    second.close();
  });
});
