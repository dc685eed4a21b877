/**
 * The collector as real processes: a busy writer child rotating the journal while the collector
 * child is SIGKILLed 30 times (every record ends up stored exactly once), planted secrets that never
 * reach the journal or the store, and argument errors.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTraceStore } from "@dispatch/trace-store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COLLECTOR_READY_MSG } from "./child-log.ts";
import { CURSOR_NAME } from "./collector.ts";
import {
  COLLECTOR_BIN,
  sleep,
  spawnCollector,
  spawnCommand,
  spawnScript,
  WRITER,
  waitForStderr,
} from "./fixtures/processes.ts";

let dir: string;
let journal: string;
let db: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "collector-"));
  journal = join(dir, "journal", "app.ndjson");
  db = join(dir, "traces.db");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** Runs a collector until it has drained the journal, then stops it cleanly. */
async function drainOnce(): Promise<void> {
  const collector = spawnCollector(journal, db);
  expect(await waitForStderr(collector, COLLECTOR_READY_MSG)).toBe(true);
  collector.process.kill("SIGTERM");
  expect(await collector.exited).toEqual({ code: 0, signal: null });
}

describe("collector process", () => {
  it("stores every record exactly once though it is SIGKILLed 30 times while the journal rotates", async () => {
    const seed = 20_261_122;
    const random = seeded(seed);
    const writer = spawnScript(WRITER, ["--journal", journal, "--max-bytes", "65536", "--generations", "50"]);
    let kills = 0;
    while (kills < 30) {
      const collector = spawnCollector(journal, db, 10);
      await sleep(40 + Math.floor(random() * 200));
      collector.process.kill("SIGKILL");
      const exit = await collector.exited;
      expect(exit.signal, `collector died on its own (seed ${seed}): ${collector.stderr()}`).toBe("SIGKILL");
      kills += 1;
    }
    writer.process.kill("SIGTERM");
    expect((await writer.exited).code).toBe(0);
    const { written, dropped } = JSON.parse(writer.stdout()) as { written: number; dropped: number };
    expect(dropped).toBe(0);
    await drainOnce();

    const sql = new Database(db, { readonly: true });
    const seqs = sql
      .query<{ seq: number }, []>(
        `SELECT json_extract(attributes, '$."writer.seq"') AS seq FROM records WHERE seq IS NOT NULL`,
      )
      .all()
      .map((row) => row.seq);
    const headers = sql
      .query<{ n: number; last: number }, []>(
        `SELECT COUNT(*) AS n, MAX(json_extract(attributes, '$."journal.seq"')) AS last FROM records WHERE msg = 'journal.open'`,
      )
      .get();
    const total = sql.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM records").get()?.n;
    sql.close();
    const store = createTraceStore({ path: db });
    const cursor = store.getCursor(CURSOR_NAME);
    store.close();

    expect(written).toBeGreaterThan(1000);
    expect(seqs.length).toBe(written);
    expect(new Set(seqs).size).toBe(written);
    expect(Math.min(...seqs)).toBe(0);
    expect(Math.max(...seqs)).toBe(written - 1);
    expect(headers?.last).toBeGreaterThanOrEqual(6);
    expect(headers?.n).toBe(headers?.last);
    expect(cursor?.duplicates).toBe(0);
    expect(cursor?.inserted).toBe(total);
  }, 90_000);

  it("never lets planted secrets reach the journal or the trace store", async () => {
    const secrets = {
      PLANT_TOKEN: "dtok-planted-7c1f9a2b4d",
      PLANT_PROVIDER_KEY: "sk-planted-provider-0123456789abcdef",
      PLANTED_SERVICE_TOKEN: "svc-planted-env-5e6f7a8b",
    };
    const writer = spawnScript(
      WRITER,
      ["--journal", journal, "--count", "200", "--max-bytes", "20000", "--plant"],
      secrets,
    );
    expect((await writer.exited).code).toBe(0);
    await drainOnce();

    const journalText = readdirSync(join(dir, "journal"))
      .map((name) => readFileSync(join(dir, "journal", name), "utf8"))
      .join("\n");
    const sql = new Database(db, { readonly: true });
    const rows = JSON.stringify(sql.query("SELECT * FROM records").all());
    const hashes = sql.query<{ hash: string }, []>("SELECT hash FROM bodies").all();
    sql.close();
    const store = createTraceStore({ path: db });
    const bodies = hashes.map((row) => store.getBody(row.hash) ?? "").join("\n");
    const records = store.stats().records;
    store.close();
    const files = readdirSync(dir).filter((name) => name.startsWith("traces.db"));
    const raw = files.map((name) => readFileSync(join(dir, name)).toString("latin1")).join("");

    expect(records).toBeGreaterThan(200);
    expect(journalText).toContain("[redacted]");
    expect(bodies).toContain('"Authorization":"[redacted]"');
    for (const secret of Object.values(secrets)) {
      for (const text of [journalText, rows, bodies, raw]) expect(text).not.toContain(secret);
    }
  }, 30_000);

  it("exits 2 with usage on bad arguments", async () => {
    const child = spawnScript(COLLECTOR_BIN, ["--journal", journal]);
    expect((await child.exited).code).toBe(2);
    expect(child.stderr()).toContain("--db <path> is required");
  });
});

describe("orphaned collector", () => {
  it("drains and exits when its parent process dies", async () => {
    const writer = spawnScript(WRITER, ["--journal", journal, "--count", "50"]);
    expect((await writer.exited).code).toBe(0);
    const shell = spawnCommand("/bin/sh", [
      "-c",
      `"${process.execPath}" "${COLLECTOR_BIN}" --journal "${journal}" --db "${db}" --interval 20 --parent $$ 2>/dev/null & echo $!`,
    ]);
    await shell.exited;
    const pid = Number(shell.stdout().trim());
    expect(pid).toBeGreaterThan(0);
    const gone = () => {
      try {
        return readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] === "Z";
      } catch {
        return true;
      }
    };
    for (let i = 0; i < 500 && !gone(); i += 1) await sleep(10);
    expect(gone()).toBe(true);
    const store = createTraceStore({ path: db });
    expect(store.stats().records).toBeGreaterThanOrEqual(50);
    store.close();
  }, 20_000);
});
