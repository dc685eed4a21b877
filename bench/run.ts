/**
 * The benchmark suite: `bun bench/run.ts [--short] [--runs N] [--only 1,3,…] [--json FILE]
 * [--daemon BINARY]` (`--daemon` measures another compiled build, e.g. for an A/B comparison).
 * Starts the scripted model in its own process, then measures the real daemon (its own start
 * command) and the bare relay figure by figure, and prints a table of medians [min–max] with
 * ratios and budgets. Exit 0 when every figure was measured or marked not built; budgets are
 * reported, not enforced (`--strict` makes a missed budget exit 1).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { BenchContext } from "./context.ts";
import { startModelProcess } from "./model-process.ts";
import { evaluate, formatTable, type Row } from "./report.ts";
import { collectorScenario } from "./scenarios/collector.ts";
import { concurrencyScenario } from "./scenarios/concurrency.ts";
import { fanoutScenario } from "./scenarios/fanout.ts";
import { historyScenario } from "./scenarios/history.ts";
import { startupScenario } from "./scenarios/startup.ts";
import { turnScenario } from "./scenarios/turns.ts";
import { ROOT, resolveDaemonCommand, resolveRelayCommand } from "./targets.ts";

const SCENARIOS: { figures: number[]; name: string; run(ctx: BenchContext): Promise<Row[]> }[] = [
  { figures: [1, 2], name: "start-up and idle memory", run: startupScenario },
  { figures: [3, 4], name: "turns", run: turnScenario },
  { figures: [5], name: "concurrent conversations", run: concurrencyScenario },
  { figures: [6], name: "500-turn conversation", run: historyScenario },
  { figures: [7], name: "fan-out", run: fanoutScenario },
  { figures: [8], name: "collector ingest", run: collectorScenario },
];

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** CPU model, core count and memory, for the table's header. */
function machine(): string {
  const cpu =
    /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? "unknown CPU";
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  // The load when the run started: other work on the machine widens the ranges.
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  return `${navigator.hardwareConcurrency} × ${cpu}, ${(memKb / 1024 / 1024).toFixed(1)} GiB, load ${load}`;
}

/** Whether host-bin bundles a `read_file` tool already (else the benchmark loads its own). */
function daemonHasReadFile(): boolean {
  const source = readFileSync(join(ROOT, "packages", "host-bin", "src", "extensions.ts"), "utf8");
  return source.includes("tool-read-file");
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      short: { type: "boolean", default: false },
      runs: { type: "string" },
      only: { type: "string" },
      json: { type: "string" },
      strict: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      daemon: { type: "string" },
    },
  });
  const short = values.short ?? false;
  const runs = Math.max(1, Number(values.runs ?? (short ? 1 : 5)));
  const only = values.only ? new Set(values.only.split(",").map(Number)) : undefined;
  const scratch = mkdtempSync(join(tmpdir(), "dispatch-bench-"));
  mkdirSync(join(scratch, "home"));
  const model = await startModelProcess();
  const startedAt = Date.now();
  const host = machine();
  try {
    const daemon = values.daemon
      ? { argv: [values.daemon], label: `${values.daemon} (compiled, --daemon)` }
      : await resolveDaemonCommand(log);
    const relay = await resolveRelayCommand(daemon, scratch);
    const builtinReadFile = daemonHasReadFile();
    const ctx: BenchContext = {
      short,
      runs,
      model,
      daemon,
      relay,
      daemonEnv: builtinReadFile
        ? {}
        : { DISPATCH_EXTERNAL_EXTENSIONS: join(import.meta.dir, "read-file-extension.ts") },
      scratch,
      log,
    };
    const rows: Row[] = [];
    for (const scenario of SCENARIOS) {
      if (only && !scenario.figures.some((f) => only.has(f))) continue;
      log(`${scenario.name} (figures ${scenario.figures.join(", ")})`);
      rows.push(...(await scenario.run(ctx)));
      await model.reset();
    }
    const results = evaluate(rows);
    const lines = [
      `Dispatch benchmarks — ${new Date().toISOString()} — ${host} — Bun ${Bun.version}`,
      `daemon: ${daemon.label}; relay: ${relay.label}; mode: ${short ? "short" : "full"}, ${runs} run(s)` +
        `; read_file: ${builtinReadFile ? "bundled" : "bench/read-file-extension.ts via DISPATCH_EXTERNAL_EXTENSIONS"}`,
      "",
      formatTable(results),
      "",
      `took ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    if (values.json) {
      writeFileSync(
        values.json,
        JSON.stringify(
          {
            date: new Date().toISOString(),
            rows: results.map((r) => ({
              id: r.row.id,
              cells: r.cells,
              ours: r.row.ours,
              relay: r.row.relay,
              verdict: r.verdict,
            })),
          },
          null,
          2,
        ),
      );
    }
    const missed = results.filter((r) => r.verdict === false);
    return values.strict && missed.length > 0 ? 1 : 0;
  } finally {
    await model.stop();
    if (!values.keep) rmSync(scratch, { recursive: true, force: true });
    else log(`kept ${scratch}`);
  }
}

process.exit(await main());
