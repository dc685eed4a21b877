/**
 * Figure 8: collector ingest. The daemon's own `collector` subcommand tails a journal written by
 * the real journal sink (log lines, spans, some with prompt-sized bodies) into a fresh trace
 * store; records per second are counted between the first and the last batch that landed, so
 * the poll interval does not count. No relay figure: a relay has no collector.
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createJournalSink } from "@dispatch/journal-sink";
import { createLogger } from "@dispatch/kernel";
import type { BenchContext } from "../context.ts";
import type { Row } from "../report.ts";

const NOT_BUILT = "n/a (not built)";
const READY = "observability collector running";
const BENCH_EXTENSION = "bench";

/** Writes `n` records: per turn-like group one span with a body, its close, and three log lines. */
function writeJournal(path: string, n: number): void {
  const sink = createJournalSink({ path, secrets: () => [] });
  const logger = createLogger({
    sink,
    now: Date.now,
    newId: () => crypto.randomUUID(),
    extensionId: BENCH_EXTENSION,
  });
  const body = JSON.stringify({
    messages: Array.from({ length: 20 }, (_, i) => ({ role: "user", content: `message ${i} `.repeat(20) })),
  });
  for (let written = 0; written < n; written += 5) {
    const turn = logger.child({ conversationId: "c-bench", turnId: `turn-${written}` });
    const span = turn.span("provider.request", { model: "scripted-model" });
    turn.info("step finished", { step: written, tokens: 200 });
    turn.debug("tool ran", { tool: "read_file", ms: 1.5 });
    turn.warn("slow chunk", { gapMs: 12 });
    span.end({ attributes: { status: 200 }, body: `${body}${written % 50 === 0 ? written : ""}` });
  }
  sink.close();
}

async function ingestRun(ctx: BenchContext, dir: string, n: number): Promise<number | undefined> {
  const journal = join(dir, "journal", "app.ndjson");
  const db = join(dir, "traces.db");
  mkdirSync(dir, { recursive: true });
  const proc = Bun.spawn(
    [...ctx.daemon.argv, "collector", "--journal", journal, "--db", db, "--interval", "50"],
    {
      cwd: dir,
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  try {
    const ready = await waitReady(proc);
    if (!ready) return undefined;
    writeJournal(journal, n);
    const sqlite = new Database(db, { readonly: true });
    const count = sqlite.prepare<{ n: number }, [string]>(
      "SELECT COUNT(*) AS n FROM records WHERE extensionId = ?",
    );
    let first: { at: number; n: number } | undefined;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const seen = count.get(BENCH_EXTENSION)?.n ?? 0;
      const at = performance.now();
      if (seen > 0 && !first) first = { at, n: seen };
      if (seen >= n && first) {
        sqlite.close();
        return at === first.at ? Number.NaN : (seen - first.n) / ((at - first.at) / 1000);
      }
      if (Date.now() > deadline) throw new Error(`collector ingested ${seen} of ${n} records in 120 s`);
      await Bun.sleep(5);
    }
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
}

/** Waits for the collector's ready line; false if the program has no collector. */
async function waitReady(proc: Bun.Subprocess<"ignore", "ignore", "pipe">): Promise<boolean> {
  const decoder = new TextDecoder();
  let text = "";
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  try {
    for await (const bytes of proc.stderr) {
      text += decoder.decode(bytes, { stream: true });
      if (text.includes(READY)) {
        // Keep draining so the collector never blocks on a full pipe.
        void (async () => {
          for await (const _ of proc.stderr) {
            // discard
          }
        })().catch(() => {});
        return true;
      }
    }
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs figure 8. */
export async function collectorScenario(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.short ? 10_000 : 50_000;
  const rates: number[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    const dir = join(ctx.scratch, `collector-${i}`);
    const rate = await ingestRun(ctx, dir, n);
    if (rate === undefined) break;
    rates.push(rate);
  }
  if (rates.length === 0 && !existsSync(join(ctx.scratch, "collector-0", "traces.db"))) {
    ctx.log("the daemon has no collector subcommand");
  }
  return [
    {
      id: "8.collector-ingest",
      figure: `8 collector ingest, journal → trace store (${n.toLocaleString("en-US")} records)`,
      unit: "rec/s",
      ours: rates.length > 0 ? rates : NOT_BUILT,
    },
  ];
}
