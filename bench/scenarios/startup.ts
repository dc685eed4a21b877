/**
 * Figures 1 and 2: cold start (spawn to the first 200 from `/health`) and idle memory (RSS and PSS
 * of the daemon and of the collector it supervises) after the process has settled. Every run
 * restarts on the same data dir, as a service restarts; a first, uncounted start creates it.
 */
import { join } from "node:path";
import { type BenchContext, launchDispatch, launchRelay } from "../context.ts";
import { childProcesses, processMemory } from "../memory.ts";
import { atMost, atMostAndRatio, type Row } from "../report.ts";
import type { Target } from "../targets.ts";

const NOT_BUILT = "n/a (not built)";

interface Sample {
  startMs: number;
  rss: number;
  pss: number;
  collector?: { rss: number; pss: number };
}

async function sample(start: Promise<Target>, settleMs: number): Promise<Sample> {
  const target = await start;
  try {
    await Bun.sleep(settleMs);
    const own = processMemory(target.pid);
    const collectorPid = childProcesses(target.pid).find((c) => c.cmdline.includes("collector"))?.pid;
    const collector = collectorPid === undefined ? undefined : processMemory(collectorPid);
    return {
      startMs: target.startMs,
      rss: own.rssMB,
      pss: own.pssMB,
      ...(collector ? { collector: { rss: collector.rssMB, pss: collector.pssMB } } : {}),
    };
  } finally {
    await target.stop();
  }
}

/** Runs the start-up scenario. */
export async function startupScenario(ctx: BenchContext): Promise<Row[]> {
  const settleMs = ctx.short ? 300 : 1000;
  const dir = join(ctx.scratch, "startup-dispatch");
  // Uncounted: creates the data dir and token, warms the page cache and Bun's transpiler cache.
  await sample(launchDispatch(ctx, dir), 0);
  await sample(launchRelay(ctx), 0);
  const ours: Sample[] = [];
  const relay: Sample[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    ctx.log(`startup run ${i + 1}/${ctx.runs}`);
    ours.push(await sample(launchDispatch(ctx, dir), settleMs));
    relay.push(await sample(launchRelay(ctx), settleMs));
  }
  const collectors = ours.flatMap((s) => (s.collector ? [s.collector] : []));
  const collectorValues = (pick: (c: { rss: number; pss: number }) => number) =>
    collectors.length > 0 ? collectors.map(pick) : NOT_BUILT;
  return [
    {
      id: "1.cold-start",
      figure: "1 cold start: spawn → first 200 from /health",
      unit: "ms",
      ours: ours.map((s) => s.startMs),
      relay: relay.map((s) => s.startMs),
      budget: atMostAndRatio(150, "ms", 3),
    },
    {
      id: "2.idle-rss",
      figure: `2 idle RSS, ${settleMs} ms after start`,
      unit: "MB",
      ours: ours.map((s) => s.rss),
      relay: relay.map((s) => s.rss),
      budget: atMost(60, "MB"),
    },
    {
      id: "2.idle-pss",
      figure: "2 idle PSS",
      unit: "MB",
      ours: ours.map((s) => s.pss),
      relay: relay.map((s) => s.pss),
    },
    {
      id: "2.collector-rss",
      figure: "2 idle RSS of the collector",
      unit: "MB",
      ours: collectorValues((c) => c.rss),
    },
    {
      id: "2.collector-pss",
      figure: "2 idle PSS of the collector",
      unit: "MB",
      ours: collectorValues((c) => c.pss),
    },
  ];
}
