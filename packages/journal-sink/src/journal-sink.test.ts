/**
 * The journal sink on real files in a temp dir: line format and header, rotation through N
 * generations without splitting a line, reopening, torn tails, foreign files and fail-safety.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogRecord } from "@dispatch/kernel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseHeaderLine } from "./header.ts";
import { createJournalSink } from "./journal-sink.ts";

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "journal-sink-"));
  path = join(dir, "journal", "app.ndjson");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function logRecord(n: number, msg = "hello"): LogRecord {
  return {
    kind: "log",
    level: "info",
    msg,
    timestamp: 1_700_000_000_000 + n,
    extensionId: "test",
    attributes: { n },
  };
}

function lines(file: string): string[] {
  return readFileSync(file, "utf8").split("\n").slice(0, -1);
}

describe("createJournalSink", () => {
  it("writes a header line, then one JSON line per record", () => {
    const sink = createJournalSink({ path, fsyncIntervalMs: 0 });
    sink.emit(logRecord(1));
    sink.emit({
      kind: "span-open",
      spanId: "s1",
      name: "turn",
      timestamp: 5,
      extensionId: "kernel",
      body: "x\ny",
    });
    sink.close();
    const [header, first, second, ...rest] = lines(path);
    expect(parseHeaderLine(header ?? "")?.seq).toBe(1);
    expect(JSON.parse(first ?? "")).toEqual(logRecord(1));
    expect(JSON.parse(second ?? "")).toMatchObject({ kind: "span-open", spanId: "s1", body: "x\ny" });
    expect(rest).toEqual([]);
    expect(sink.droppedRecords).toBe(0);
  });

  it("creates missing directories readable by their user only", () => {
    const nested = join(dir, "logs", "dispatch", "app.ndjson");
    const sink = createJournalSink({ path: nested, fsyncIntervalMs: 0 });
    sink.emit(logRecord(1));
    sink.close();
    expect(statSync(join(dir, "logs")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "logs", "dispatch")).mode & 0o777).toBe(0o700);
    expect(lines(nested)).toHaveLength(2);
  });

  it("rotates through N generations, never splits a line and keeps the newest records in order", () => {
    const maxBytes = 1500;
    const sink = createJournalSink({ path, maxBytes, generations: 3, fsyncIntervalMs: 0 });
    for (let n = 0; n < 300; n += 1) sink.emit(logRecord(n, "x".repeat(n % 7 === 0 ? 2000 : 20 + (n % 50))));
    sink.close();

    expect(existsSync(`${path}.3`)).toBe(true);
    expect(existsSync(`${path}.4`)).toBe(false);
    const files = [`${path}.3`, `${path}.2`, `${path}.1`, path];
    const seqs: number[] = [];
    const kept: number[] = [];
    for (const file of files) {
      const content = lines(file);
      const header = parseHeaderLine(content[0] ?? "");
      expect(header).toBeDefined();
      seqs.push(header?.seq ?? -1);
      const records = content.slice(1).map((line) => JSON.parse(line) as LogRecord);
      const size = readFileSync(file).length;
      if (records.length > 1) expect(size).toBeLessThanOrEqual(maxBytes);
      for (const record of records) kept.push(Number(record.attributes?.n));
    }
    expect(seqs).toEqual([seqs[0], (seqs[0] ?? 0) + 1, (seqs[0] ?? 0) + 2, (seqs[0] ?? 0) + 3]);
    expect(kept.at(-1)).toBe(299);
    expect(kept).toEqual(kept.map((_, i) => (kept[0] ?? 0) + i));
  });

  it("measures lines in UTF-8 bytes when rotating, and writes multi-byte text intact", () => {
    const maxBytes = 1200;
    const sink = createJournalSink({ path, maxBytes, generations: 20, fsyncIntervalMs: 0 });
    for (let n = 0; n < 12; n += 1) sink.emit(logRecord(n, "é漢😀".repeat(30 + n)));
    sink.close();
    const files = [path, ...Array.from({ length: 20 }, (_, i) => `${path}.${i + 1}`)].filter(existsSync);
    expect(files.length).toBeGreaterThan(2);
    const kept: number[] = [];
    for (const file of files) {
      const records = lines(file)
        .slice(1)
        .map((line) => JSON.parse(line) as LogRecord);
      if (records.length > 1) expect(readFileSync(file).length).toBeLessThanOrEqual(maxBytes);
      for (const record of records) {
        expect(record.kind === "log" && record.msg).toBe("é漢😀".repeat(30 + Number(record.attributes?.n)));
        kept.push(Number(record.attributes?.n));
      }
    }
    expect(kept.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, n) => n));
  });

  it("appends to an existing journal and continues the file numbering after a restart", () => {
    const first = createJournalSink({ path, maxBytes: 500, fsyncIntervalMs: 0 });
    first.emit(logRecord(1));
    first.close();
    const second = createJournalSink({ path, maxBytes: 500, fsyncIntervalMs: 0 });
    second.emit(logRecord(2));
    second.emit(logRecord(3));
    second.close();
    const oldest = lines(`${path}.1`);
    expect(oldest.filter((line) => parseHeaderLine(line))).toHaveLength(1);
    expect(oldest.slice(1, 3).map((line) => (JSON.parse(line) as LogRecord).attributes?.n)).toEqual([1, 2]);
    const live = lines(path);
    expect(parseHeaderLine(live[0] ?? "")?.seq).toBe(2);
    expect((JSON.parse(live[1] ?? "") as LogRecord).attributes?.n).toBe(3);
  });

  it("terminates a torn last line left by a crash before appending", () => {
    const writer = createJournalSink({ path, fsyncIntervalMs: 0 });
    writer.emit(logRecord(1));
    writer.close();
    writeFileSync(path, '{"kind":"log","tor', { flag: "a" });
    const sink = createJournalSink({ path, fsyncIntervalMs: 0 });
    sink.emit(logRecord(2));
    sink.close();
    const content = lines(path);
    expect(content[2]).toBe('{"kind":"log","tor');
    expect(JSON.parse(content[3] ?? "")).toEqual(logRecord(2));
  });

  it("moves a file without a header aside and starts a fresh one", () => {
    const sink = createJournalSink({ path, fsyncIntervalMs: 0 });
    sink.emit(logRecord(0));
    sink.close();
    writeFileSync(path, "not a journal\n");
    const next = createJournalSink({ path, fsyncIntervalMs: 0 });
    next.emit(logRecord(1));
    next.close();
    expect(readFileSync(`${path}.1`, "utf8")).toBe("not a journal\n");
    const [header, record] = lines(path);
    expect(parseHeaderLine(header ?? "")).toBeDefined();
    expect(JSON.parse(record ?? "")).toEqual(logRecord(1));
  });

  it("never throws: unwritable path, unserialisable record and emit after close are counted as dropped", () => {
    writeFileSync(join(dir, "blocker"), "a file, not a directory");
    const broken = createJournalSink({ path: join(dir, "blocker", "app.ndjson"), fsyncIntervalMs: 0 });
    expect(() => broken.emit(logRecord(1))).not.toThrow();
    broken.emit(logRecord(2));
    expect(broken.droppedRecords).toBe(2);
    broken.close();

    const sink = createJournalSink({ path, fsyncIntervalMs: 0 });
    const bad = { ...logRecord(3), attributes: { big: 1n } } as unknown as LogRecord;
    expect(() => sink.emit(bad)).not.toThrow();
    sink.close();
    sink.emit(logRecord(4));
    expect(sink.droppedRecords).toBe(2);
    sink.flush();
    sink.close();
  });

  it("reopens the live file when it is removed from under it", async () => {
    const sink = createJournalSink({ path, fsyncIntervalMs: 5 });
    sink.emit(logRecord(1));
    rmSync(path);
    for (let i = 0; i < 200 && !existsSync(path); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      sink.emit(logRecord(2));
    }
    sink.close();
    const content = lines(path);
    expect(parseHeaderLine(content[0] ?? "")).toBeDefined();
    expect(JSON.parse(content[1] ?? "")).toEqual(logRecord(2));
  });

  it("writeBehind: writes a batch's records together shortly after, in order", async () => {
    const sink = createJournalSink({ path, fsyncIntervalMs: 0, writeBehind: true });
    for (let n = 0; n < 5; n += 1) sink.emit(logRecord(n));
    expect(existsSync(path)).toBe(false);
    for (let i = 0; i < 500 && !existsSync(path); i += 1)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const [header, ...records] = lines(path);
    expect(parseHeaderLine(header ?? "")).toBeDefined();
    expect(records.map((line) => JSON.parse(line))).toEqual([0, 1, 2, 3, 4].map((n) => logRecord(n)));
    sink.emit(logRecord(5));
    sink.close();
    expect(lines(path).length).toBe(7);
  });

  it("writeBehind: flush() writes what is waiting; a batch of 1000 is written at once; bad records are dropped alone", () => {
    const sink = createJournalSink({ path, fsyncIntervalMs: 0, writeBehind: true });
    sink.emit(logRecord(1));
    sink.emit({ ...logRecord(2), attributes: { big: 1n } } as unknown as LogRecord);
    sink.flush();
    expect(
      lines(path)
        .slice(1)
        .map((line) => JSON.parse(line)),
    ).toEqual([logRecord(1)]);
    expect(sink.droppedRecords).toBe(1);
    for (let n = 0; n < 1000; n += 1) sink.emit(logRecord(n));
    expect(lines(path).length).toBe(1 + 1 + 1000);
    sink.close();
  });
});
