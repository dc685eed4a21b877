/**
 * The deferred collector with the real collector (`bun main.ts collector`) on a real journal and
 * trace store: nothing is spawned before `schedule`, the collector runs once scheduled, and a
 * stop, also one before the collector started, drains the journal into the trace store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createJournalSink } from "@dispatch/journal-sink";
import { nullLogger } from "@dispatch/kernel";
import { createTraceStore } from "@dispatch/trace-store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeferredCollector } from "./deferred-collector.ts";
import { MAIN_PATH } from "./spawn-daemon.ts";

let dir: string;
let journalPath: string;
let dbPath: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "dispatch-deferred-"));
  journalPath = join(dir, "journal", "app.ndjson");
  dbPath = join(dir, "traces.db");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function collector(delayMs: number) {
  const command = [process.execPath, MAIN_PATH, "collector", "--journal", journalPath, "--db", dbPath];
  return createDeferredCollector({ command, logger: nullLogger, delayMs });
}

/** Writes one log record to the journal with the real sink. */
function journal(msg: string): void {
  const sink = createJournalSink({ path: journalPath });
  sink.emit({ kind: "log", level: "info", msg, timestamp: Date.now(), extensionId: "test" });
  sink.close();
}

/** The messages of the log records in the trace store. */
function collected(): string[] {
  const store = createTraceStore({ path: dbPath });
  try {
    return store.findIds("", 10_000).flatMap((id) => {
      const record = store.getRecord(id)?.record;
      return record?.kind === "log" ? [record.msg] : [];
    });
  } finally {
    store.close();
  }
}

describe("deferred collector", () => {
  it("spawns nothing before schedule, runs once scheduled, and drains on stop", async () => {
    journal("before");
    const deferred = collector(10);
    await Bun.sleep(50);
    expect(deferred.state()).toBe("stopped");
    deferred.schedule();
    for (let i = 0; i < 500 && deferred.state() !== "running"; i++) await Bun.sleep(10);
    expect(deferred.state()).toBe("running");
    journal("while running");
    await deferred.stop();
    expect(deferred.state()).toBe("stopped");
    expect(collected()).toEqual(expect.arrayContaining(["before", "while running"]));
  });

  it("drains the journal on a stop that comes before the collector started", async () => {
    journal("early");
    const deferred = collector(60_000);
    deferred.schedule();
    expect(deferred.state()).toBe("stopped");
    await deferred.stop();
    expect(collected()).toContain("early");
  });
});
