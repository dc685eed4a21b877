/**
 * Figure 6: a conversation with 500 prior turns. The daemon is restarted on its data dir; we time
 * the restart, the first history window a client loads (`?sinceSeq=0&limit=192`, what the web
 * client asks on a cold tab), and the overhead of the next turn, whose request carries the whole
 * history, then of the turn after it (the process warm), which separates the cost of a long history
 * from the cost of a first turn after start. The relay keeps history in memory only: no restart,
 * no window; both of its turns are warm.
 */
import { join } from "node:path";
import { textReply } from "@dispatch/testkit";
import { chatTurn, numberedText } from "../client.ts";
import { type BenchContext, launchDispatch, launchRelay } from "../context.ts";
import { atMost, type Row } from "../report.ts";
import type { Target } from "../targets.ts";
import { measuredTurn } from "./turns.ts";

/** Chunks the web client loads on a cold tab. */
const WINDOW_LIMIT = 192;

async function buildHistory(ctx: BenchContext, target: Target, turns: number): Promise<string> {
  const reply = textReply(numberedText(40));
  await ctx.model.setFallback(reply);
  const first = await chatTurn(target, "Turn 0: tell me something.");
  for (let i = 1; i < turns; i++) {
    const turn = await chatTurn(target, `Turn ${i}: and then?`, first.conversationId);
    if (turn.errors.length > 0) throw new Error(`building history failed: ${turn.errors.join("; ")}`);
  }
  await ctx.model.setFallback(textReply("ok"));
  return first.conversationId;
}

async function loadWindow(target: Target, conversationId: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${target.url}/conversations/${conversationId}?sinceSeq=0&limit=${WINDOW_LIMIT}`, {
    headers: target.headers,
  });
  const body = (await res.json()) as { chunks?: unknown[] };
  const elapsed = performance.now() - started;
  if (body.chunks?.length !== WINDOW_LIMIT)
    throw new Error(`history window: ${JSON.stringify(body).slice(0, 200)}`);
  return elapsed;
}

/** Runs figure 6. */
export async function historyScenario(ctx: BenchContext): Promise<Row[]> {
  const prior = 500;
  const tokens = numberedText(200);
  const expected = tokens.join("");
  const dir = join(ctx.scratch, "history-dispatch");
  let conversationId = "";
  const building = performance.now();
  let dispatch = await launchDispatch(ctx, dir);
  try {
    conversationId = await buildHistory(ctx, dispatch, prior);
  } finally {
    await dispatch.stop();
  }
  const relay = await launchRelay(ctx);
  const ours = {
    restart: [] as number[],
    window: [] as number[],
    cold: [] as number[],
    warm: [] as number[],
  };
  const theirs = { cold: [] as number[], warm: [] as number[] };
  const nextTurn = async (target: Target, conversationId: string) =>
    (await measuredTurn(ctx, target, [textReply(tokens)], expected, conversationId)).overheadMs;
  try {
    const relayConversation = await buildHistory(ctx, relay, prior);
    ctx.log(`history: ${prior} prior turns built in ${((performance.now() - building) / 1000).toFixed(1)} s`);
    for (let i = 0; i < ctx.runs; i++) {
      dispatch = await launchDispatch(ctx, dir);
      try {
        ours.restart.push(dispatch.startMs);
        ours.window.push(await loadWindow(dispatch, conversationId));
        ours.cold.push(await nextTurn(dispatch, conversationId));
        ours.warm.push(await nextTurn(dispatch, conversationId));
      } finally {
        await dispatch.stop();
      }
      theirs.cold.push(await nextTurn(relay, relayConversation));
      theirs.warm.push(await nextTurn(relay, relayConversation));
    }
  } finally {
    await relay.stop();
  }
  return [
    {
      id: "6.restart",
      figure: `6 ${prior}-turn conversation: restart (spawn → /health)`,
      unit: "ms",
      ours: ours.restart,
    },
    {
      id: "6.window",
      figure: `6 ${prior}-turn conversation: first history window (${WINDOW_LIMIT} chunks)`,
      unit: "ms",
      ours: ours.window,
      budget: atMost(10, "ms"),
    },
    {
      id: "6.next-turn",
      figure: `6 ${prior}-turn conversation: next turn's overhead`,
      unit: "ms",
      ours: ours.cold,
      relay: theirs.cold,
      budget: atMost(15, "ms"),
    },
    {
      id: "6.warm-turn",
      figure: `6 ${prior}-turn conversation: the turn after (warm process)`,
      unit: "ms",
      ours: ours.warm,
      relay: theirs.warm,
    },
  ];
}
