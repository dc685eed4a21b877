/**
 * The supervisor with real child processes: doubling backoff and giving up after the crash budget
 * (logging that the collector is down), recovery after transient crashes, a spawn failure, SIGKILL
 * for a child that ignores SIGTERM, and `stop` letting the real collector drain the journal.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { getPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { createJournalSink } from "@dispatch/journal-sink";
import { createTraceStore } from "@dispatch/trace-store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COLLECTOR_BIN, collectingLogger, FAKE_COLLECTOR, messages, sleep } from "./fixtures/processes.ts";
import {
  COLLECTOR_NICENESS,
  type CollectorState,
  type CollectorSupervisor,
  createCollectorSupervisor,
} from "./supervisor.ts";

let dir: string;
let counter: string;
let supervisor: CollectorSupervisor | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "supervisor-"));
  counter = join(dir, "starts");
});

afterEach(async () => {
  await supervisor?.stop(1000);
  supervisor = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 1000 && !check(); i += 1) await sleep(10);
  return check();
}

const starts = () => (existsSync(counter) ? readFileSync(counter, "utf8").length : 0);

describe("createCollectorSupervisor", () => {
  it("restarts with doubling backoff, then gives up and logs that the collector is down", async () => {
    const { logger, records } = collectingLogger();
    const current = createCollectorSupervisor({
      command: [process.execPath, FAKE_COLLECTOR, "crash", counter],
      logger,
      maxRestarts: 3,
      backoffMs: 5,
    });
    supervisor = current;
    current.start();
    expect(await until(() => current.state() === "gave-up")).toBe(true);
    expect(starts()).toBe(4);
    expect(messages(records, "warn").filter((msg) => msg.includes("restarting"))).toEqual([
      "observability collector is down: it exited with code 1; restarting it in 5 ms",
      "observability collector is down: it exited with code 1; restarting it in 10 ms",
      "observability collector is down: it exited with code 1; restarting it in 20 ms",
    ]);
    const [down] = messages(records, "error");
    expect(down).toMatch(
      /^observability collector is down: it exited with code 1 and crashed 4 times in 60 s/,
    );
    expect(records).toContainEqual(
      expect.objectContaining({ msg: "collector stderr", attributes: { line: "fatal: simulated crash" } }),
    );
    current.start();
    expect(await until(() => current.state() === "gave-up" && starts() === 8)).toBe(true);
  });

  it("recovers after transient crashes and stops cleanly", async () => {
    const { logger, records } = collectingLogger();
    const current = createCollectorSupervisor({
      command: [process.execPath, FAKE_COLLECTOR, "flaky", counter, "2"],
      logger,
      backoffMs: 5,
    });
    supervisor = current;
    current.start();
    expect(
      await until(() => messages(records, "info").includes("collector: observability collector running")),
    ).toBe(true);
    expect(current.state()).toBe("running");
    expect(starts()).toBe(3);
    expect(messages(records, "warn").filter((msg) => msg.includes("restarting it in"))).toHaveLength(2);
    await current.stop();
    expect(current.state()).toBe("stopped");
    expect(messages(records, "warn").filter((msg) => msg.includes("killing"))).toEqual([]);
    expect(messages(records, "error")).toEqual([]);
  });

  it("gives up without throwing when the command cannot be spawned", async () => {
    const { logger, records } = collectingLogger();
    const current = createCollectorSupervisor({
      command: [join(dir, "missing-binary")],
      logger,
      maxRestarts: 1,
      backoffMs: 5,
    });
    supervisor = current;
    current.start();
    expect(await until(() => current.state() === "gave-up")).toBe(true);
    expect(messages(records, "error")[0]).toMatch(/^observability collector is down/);
  });

  it("kills a collector that does not stop within the grace time", async () => {
    const { logger, records } = collectingLogger();
    const current = createCollectorSupervisor({
      command: [process.execPath, FAKE_COLLECTOR, "stubborn"],
      logger,
    });
    supervisor = current;
    current.start();
    expect(await until(() => messages(records, "info").length > 0)).toBe(true);
    await current.stop(200);
    expect(current.state() satisfies CollectorState).toBe("stopped");
    expect(messages(records, "warn")).toContain(
      "observability collector did not stop within 200 ms; killing it",
    );
  });

  /** Runs the fake collector that reports its own nice value; returns that value. */
  async function collectorNiceness(niceness?: number): Promise<number> {
    const { logger, records } = collectingLogger();
    const niceFile = join(dir, "nice");
    const current = createCollectorSupervisor({
      command: [process.execPath, FAKE_COLLECTOR, "nice", niceFile],
      logger,
      ...(niceness === undefined ? {} : { niceness }),
    });
    supervisor = current;
    current.start();
    expect(await until(() => messages(records, "info").length > 0)).toBe(true);
    await current.stop();
    return Number(readFileSync(niceFile, "utf8"));
  }

  it("runs the collector at a lower scheduling priority than the daemon", async () => {
    expect(await collectorNiceness()).toBe(Math.min(19, getPriority() + COLLECTOR_NICENESS));
  });

  it("keeps the daemon's priority with niceness 0", async () => {
    expect(await collectorNiceness(0)).toBe(getPriority());
  });

  it("lets the real collector drain the journal on stop", async () => {
    const journal = join(dir, "journal", "app.ndjson");
    const db = join(dir, "traces.db");
    const sink = createJournalSink({ path: journal, maxBytes: 4000, fsyncIntervalMs: 0 });
    const emit = (n: number) =>
      sink.emit({
        kind: "log",
        level: "info",
        msg: `r${n}`,
        timestamp: Date.now(),
        extensionId: "w",
        attributes: { n },
      });
    for (let n = 0; n < 50; n += 1) emit(n);
    const { logger, records } = collectingLogger();
    const current = createCollectorSupervisor({
      command: [process.execPath, COLLECTOR_BIN, "--journal", journal, "--db", db, "--interval", "60000"],
      logger,
    });
    supervisor = current;
    current.start();
    expect(
      await until(() => messages(records, "info").includes("collector: observability collector running")),
    ).toBe(true);
    for (let n = 50; n < 100; n += 1) emit(n);
    sink.close();
    await current.stop();
    expect(messages(records, "info")).toContain("collector: observability collector stopped");
    const store = createTraceStore({ path: db });
    const stored = store.findIds("", 1000).flatMap((id) => {
      const record = store.getRecord(id)?.record;
      return record?.extensionId === "w" ? [record.attributes?.n] : [];
    });
    store.close();
    expect(stored.sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 100 }, (_, n) => n));
  });
});
