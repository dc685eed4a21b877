/**
 * Figures 3 and 4 on a running daemon and relay, interleaved run by run: a 200-token text turn at
 * 0 ms between tokens on a new conversation, and a tool turn (the model calls `read_file`, then
 * answers). Overhead is the client's end-to-end time minus the model's own time (body received to
 * last chunk written, per model call); lag and tail compare the client's stamps with the model's.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { textReply, toolCallReply } from "@dispatch/testkit";
import { chatTurn, numberedText, type TurnObservation } from "../client.ts";
import { type BenchContext, launchDispatch, launchRelay } from "../context.ts";
import type { RequestTiming } from "../model-process.ts";
import { atMost, atMostAndRatio, type Row } from "../report.ts";
import type { Target } from "../targets.ts";

/** The figures of one measured turn. */
export interface TurnFigures {
  overheadMs: number;
  firstTokenLagMs: number;
  tailMs: number;
  /** Tool turns: last chunk of the first model call to the second call's body arriving. */
  betweenCallsMs?: number;
}

const TOKENS = 200;

/** The model's own time: body received to last chunk written, summed over the calls. */
export function modelTime(calls: readonly RequestTiming[]): number {
  return calls.reduce((sum, call) => sum + (call.lastChunkAt - call.receivedAt), 0);
}

/** Turns a turn's observation and its model calls into figures; throws if the turn went wrong. */
export function turnFigures(
  observation: TurnObservation,
  calls: readonly RequestTiming[],
  expected: string,
): TurnFigures {
  if (observation.errors.length > 0) throw new Error(`turn failed: ${observation.errors.join("; ")}`);
  if (observation.text !== expected) {
    throw new Error(`turn text differs: got ${observation.text.length} chars, expected ${expected.length}`);
  }
  const last = calls.at(-1);
  if (!last) throw new Error("the turn made no model call");
  const figures: TurnFigures = {
    overheadMs: observation.sealedAt - observation.sentAt - modelTime(calls),
    firstTokenLagMs: observation.firstDeltaAt - last.firstChunkAt,
    tailMs: observation.sealedAt - last.lastChunkAt,
  };
  const first = calls[0];
  if (calls.length > 1 && first) figures.betweenCallsMs = last.receivedAt - first.lastChunkAt;
  return figures;
}

/** One scripted turn on `target`: queue the replies, run it, read the model's timings. */
export async function measuredTurn(
  ctx: BenchContext,
  target: Target,
  replies: Parameters<BenchContext["model"]["enqueue"]>,
  expected: string,
  conversationId?: string,
): Promise<TurnFigures> {
  const from = await ctx.model.count();
  await ctx.model.enqueue(...replies);
  const observation = await chatTurn(target, "Please answer.", conversationId);
  const calls = await ctx.model.timings(from, replies.length);
  return turnFigures(observation, calls, expected);
}

function rows(prefix: string, name: string, ours: TurnFigures[], relay: TurnFigures[]): Row[] {
  const pick = (list: TurnFigures[], f: (t: TurnFigures) => number | undefined) =>
    list.flatMap((t) => {
      const v = f(t);
      return v === undefined ? [] : [v];
    });
  const result: Row[] = [
    {
      id: `${prefix}.overhead`,
      figure: `${prefix} ${name}: overhead (end-to-end − model time)`,
      unit: "ms",
      ours: pick(ours, (t) => t.overheadMs),
      relay: pick(relay, (t) => t.overheadMs),
      budget: atMostAndRatio(10, "ms", 1.5),
    },
    {
      id: `${prefix}.first-token`,
      figure: `${prefix} ${name}: model's first token → client's first text-delta`,
      unit: "ms",
      ours: pick(ours, (t) => t.firstTokenLagMs),
      relay: pick(relay, (t) => t.firstTokenLagMs),
      ...(prefix === "3" ? { budget: atMost(3, "ms") } : {}),
    },
    {
      id: `${prefix}.tail`,
      figure: `${prefix} ${name}: model's last chunk → turn-sealed`,
      unit: "ms",
      ours: pick(ours, (t) => t.tailMs),
      relay: pick(relay, (t) => t.tailMs),
    },
  ];
  if (prefix === "4") {
    result.push({
      id: "4.between-calls",
      figure: "4 tool turn: first call's last chunk → second call received",
      unit: "ms",
      ours: pick(ours, (t) => t.betweenCallsMs),
      relay: pick(relay, (t) => t.betweenCallsMs),
    });
  }
  return result;
}

/** Runs figures 3 and 4. */
export async function turnScenario(ctx: BenchContext): Promise<Row[]> {
  const tokens = numberedText(TOKENS);
  const expected = tokens.join("");
  // The file lies in the daemon's working directory (a conversation's default cwd): read_file
  // refuses paths outside it. The relay reads the same absolute path.
  const dir = join(ctx.scratch, "dispatch-turns");
  mkdirSync(dir);
  const file = join(dir, "notes.txt");
  writeFileSync(file, `${"The quick brown fox jumps over the lazy dog.\n".repeat(40)}`);
  const text = () => [textReply(tokens)];
  const tool = () => [toolCallReply("read_file", { path: file }), textReply(tokens)];
  const dispatch = await launchDispatch(ctx, dir);
  const relay = await launchRelay(ctx);
  try {
    const warmups = ctx.short ? 2 : 5;
    for (const target of [dispatch, relay]) {
      for (let i = 0; i < warmups; i++) {
        await measuredTurn(ctx, target, text(), expected);
        await measuredTurn(ctx, target, tool(), expected);
      }
    }
    const results = {
      text: { ours: [] as TurnFigures[], relay: [] as TurnFigures[] },
      tool: { ours: [] as TurnFigures[], relay: [] as TurnFigures[] },
    };
    const runs = ctx.runs * (ctx.short ? 1 : 3);
    for (let i = 0; i < runs; i++) {
      results.text.ours.push(await measuredTurn(ctx, dispatch, text(), expected));
      results.text.relay.push(await measuredTurn(ctx, relay, text(), expected));
      results.tool.ours.push(await measuredTurn(ctx, dispatch, tool(), expected));
      results.tool.relay.push(await measuredTurn(ctx, relay, tool(), expected));
    }
    ctx.log(`turns: ${runs} runs of each`);
    return [
      ...rows("3", `${TOKENS}-token turn`, results.text.ours, results.text.relay),
      ...rows("4", "tool turn", results.tool.ours, results.tool.relay),
    ];
  } finally {
    await Promise.all([dispatch.stop(), relay.stop()]);
  }
}
