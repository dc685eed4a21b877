/**
 * Figure 5: 20 and then 100 one-turn conversations started at once in one process, each a
 * 200-token reply at 0 ms between tokens. Total is the first request sent to the last
 * `turn-sealed`; per-turn times are each conversation's end to end; peak RSS is the process's
 * high-water mark over the batch.
 */
import { textReply } from "@dispatch/testkit";
import { chatTurn, numberedText, type TurnObservation } from "../client.ts";
import { type BenchContext, launchDispatch, launchRelay, settle } from "../context.ts";
import { peakRssWindow } from "../memory.ts";
import { atMost, atMostAndRatio, type Row } from "../report.ts";
import { percentile } from "../stats.ts";
import type { Target } from "../targets.ts";

interface Batch {
  totalMs: number;
  p50: number;
  p90: number;
  peakRss: number;
}

async function batch(
  ctx: BenchContext,
  target: Target,
  n: number,
  expected: string,
  tokens: string[],
): Promise<Batch> {
  await ctx.model.enqueue(...Array.from({ length: n }, () => textReply(tokens)));
  const peak = peakRssWindow(target.pid);
  const started = performance.timeOrigin + performance.now();
  const turns: TurnObservation[] = await Promise.all(
    Array.from({ length: n }, () => chatTurn(target, "Please answer.")),
  );
  const peakRss = peak();
  for (const turn of turns) {
    if (turn.errors.length > 0 || turn.text !== expected) {
      throw new Error(`a concurrent turn failed: ${turn.errors.join("; ") || "wrong text"}`);
    }
  }
  const perTurn = turns.map((t) => t.sealedAt - t.sentAt);
  return {
    totalMs: Math.max(...turns.map((t) => t.sealedAt)) - started,
    p50: percentile(perTurn, 50),
    p90: percentile(perTurn, 90),
    peakRss,
  };
}

function rows(n: number, ours: Batch[], relay: Batch[]): Row[] {
  const hundred = n === 100;
  return [
    {
      id: `5.total-${n}`,
      figure: `5 ${n} conversations at once: total`,
      unit: "ms",
      ours: ours.map((b) => b.totalMs),
      relay: relay.map((b) => b.totalMs),
      ...(hundred ? { budget: atMostAndRatio(1000, "ms", 1.5) } : {}),
    },
    {
      id: `5.p50-${n}`,
      figure: `5 ${n} conversations at once: per-turn p50`,
      unit: "ms",
      ours: ours.map((b) => b.p50),
      relay: relay.map((b) => b.p50),
    },
    {
      id: `5.p90-${n}`,
      figure: `5 ${n} conversations at once: per-turn p90`,
      unit: "ms",
      ours: ours.map((b) => b.p90),
      relay: relay.map((b) => b.p90),
    },
    {
      id: `5.peak-rss-${n}`,
      figure: `5 ${n} conversations at once: peak RSS`,
      unit: "MB",
      ours: ours.map((b) => b.peakRss),
      relay: relay.map((b) => b.peakRss),
      ...(hundred ? { budget: atMost(150, "MB") } : {}),
    },
  ];
}

/** Runs figure 5 on a fresh daemon and relay. */
export async function concurrencyScenario(ctx: BenchContext): Promise<Row[]> {
  const tokens = numberedText(200);
  const expected = tokens.join("");
  const dispatch = await launchDispatch(ctx);
  const relay = await launchRelay(ctx);
  try {
    const out: Row[] = [];
    for (const target of [dispatch, relay]) await batch(ctx, target, 5, expected, tokens);
    for (const n of [20, 100]) {
      const ours: Batch[] = [];
      const theirs: Batch[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        ours.push(await batch(ctx, dispatch, n, expected, tokens));
        await settle();
        theirs.push(await batch(ctx, relay, n, expected, tokens));
        await settle();
      }
      ctx.log(`concurrency: ${n} × ${ctx.runs}`);
      out.push(...rows(n, ours, theirs));
    }
    return out;
  } finally {
    await Promise.all([dispatch.stop(), relay.stop()]);
  }
}
