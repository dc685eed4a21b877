/**
 * Figure 7: how fast events reach their subscribers. NDJSON: one turn of E events to its one
 * stream, and 100 conversations of E/100 events at once (the HTTP API has one stream per turn).
 * WebSocket: one turn of E events to 1 and to 100 subscribers of its conversation, each checked
 * for every text delta in order; the table counts the subscribers that missed or misordered one.
 */
import { textReply } from "@dispatch/testkit";
import { chatTurn, numberedText } from "../client.ts";
import { type BenchContext, launchDispatch, launchRelay } from "../context.ts";
import { exactly, type Row, type Values } from "../report.ts";
import type { Target } from "../targets.ts";
import { type Subscriber, subscribe, WsUnavailable } from "../ws-client.ts";

const NOT_BUILT = "n/a (not built)";

async function ndjsonOne(ctx: BenchContext, target: Target, events: number): Promise<number> {
  const tokens = numberedText(events);
  await ctx.model.enqueue(textReply(tokens));
  const turn = await chatTurn(target, "Please answer.");
  if (turn.text !== tokens.join("")) throw new Error(`NDJSON stream lost text on ${target.kind}`);
  return turn.events / ((turn.sealedAt - turn.sentAt) / 1000);
}

async function ndjsonMany(
  ctx: BenchContext,
  target: Target,
  streams: number,
  events: number,
): Promise<number> {
  const tokens = numberedText(Math.max(1, Math.floor(events / streams)));
  await ctx.model.enqueue(...Array.from({ length: streams }, () => textReply(tokens)));
  const started = performance.timeOrigin + performance.now();
  const turns = await Promise.all(Array.from({ length: streams }, () => chatTurn(target, "Please answer.")));
  if (turns.some((t) => t.text !== tokens.join("")))
    throw new Error(`an NDJSON stream lost text on ${target.kind}`);
  const total = turns.reduce((sum, t) => sum + t.events, 0);
  return total / ((Math.max(...turns.map((t) => t.sealedAt)) - started) / 1000);
}

interface WsRun {
  eventsPerSecond: number;
  /** Subscribers that missed a text delta or saw an index out of order. */
  faulty: number;
}

async function wsRun(ctx: BenchContext, target: Target, subscribers: number, events: number): Promise<WsRun> {
  const tokens = numberedText(events);
  const expected = tokens.join("");
  const conversationId = crypto.randomUUID();
  const sockets: Subscriber[] = [];
  try {
    for (let i = 0; i < subscribers; i++) sockets.push(await subscribe(target, conversationId));
    await ctx.model.enqueue(textReply(tokens));
    const turn = await chatTurn(target, "Please answer.", conversationId);
    const results = await Promise.all(sockets.map((s) => s.done));
    const frames = results.reduce((sum, r) => sum + r.frames, 0);
    const lastAt = Math.max(...results.map((r) => r.sealedAt));
    const faulty = results.filter((r) => !r.inOrder || r.textDeltas !== events || r.text !== expected).length;
    return { eventsPerSecond: frames / ((lastAt - turn.sentAt) / 1000), faulty };
  } finally {
    for (const socket of sockets) socket.close();
  }
}

async function wsAvailable(target: Target): Promise<boolean> {
  try {
    (await subscribe(target, crypto.randomUUID())).close();
    return true;
  } catch (err) {
    if (err instanceof WsUnavailable) return false;
    throw err;
  }
}

/** Runs figure 7. */
export async function fanoutScenario(ctx: BenchContext): Promise<Row[]> {
  const events = ctx.short ? 2000 : 10_000;
  const dispatch = await launchDispatch(ctx);
  const relay = await launchRelay(ctx);
  try {
    const hasWs = await wsAvailable(dispatch);
    const ours = {
      one: [] as number[],
      many: [] as number[],
      ws1: [] as number[],
      ws100: [] as number[],
      faulty: [] as number[],
    };
    const theirs = {
      one: [] as number[],
      many: [] as number[],
      ws1: [] as number[],
      ws100: [] as number[],
      faulty: [] as number[],
    };
    for (const [target, into] of [
      [dispatch, ours],
      [relay, theirs],
    ] as const) {
      await ndjsonOne(ctx, target, 200);
      for (let i = 0; i < ctx.runs; i++) {
        into.one.push(await ndjsonOne(ctx, target, events));
        into.many.push(await ndjsonMany(ctx, target, 100, events));
        if (target === dispatch && !hasWs) continue;
        into.ws1.push((await wsRun(ctx, target, 1, events)).eventsPerSecond);
        const hundred = await wsRun(ctx, target, 100, events);
        into.ws100.push(hundred.eventsPerSecond);
        into.faulty.push(hundred.faulty);
      }
    }
    ctx.log(`fan-out: ${ctx.runs} runs, ${events} events per turn`);
    const ws = (values: number[]): Values => (hasWs ? values : NOT_BUILT);
    return [
      {
        id: "7.ndjson-1",
        figure: `7 NDJSON, 1 turn of ${events} events → 1 stream`,
        unit: "ev/s",
        ours: ours.one,
        relay: theirs.one,
      },
      {
        id: "7.ndjson-100",
        figure: `7 NDJSON, 100 turns of ${events / 100} events → 100 streams`,
        unit: "ev/s",
        ours: ours.many,
        relay: theirs.many,
      },
      {
        id: "7.ws-1",
        figure: `7 WebSocket, 1 turn of ${events} events → 1 subscriber`,
        unit: "ev/s",
        ours: ws(ours.ws1),
        relay: theirs.ws1,
      },
      {
        id: "7.ws-100",
        figure: `7 WebSocket, 1 turn of ${events} events → 100 subscribers`,
        unit: "ev/s",
        ours: ws(ours.ws100),
        relay: theirs.ws100,
      },
      {
        id: "7.ws-loss",
        figure: "7 WebSocket, 100 subscribers: any event dropped or reordered",
        unit: "subs",
        ours: ws(ours.faulty),
        relay: theirs.faulty,
        budget: exactly(0, "0 of 100"),
      },
    ];
  } finally {
    await Promise.all([dispatch.stop(), relay.stop()]);
  }
}
