/**
 * The scripted OpenAI-compatible model as a process of its own, so its CPU does not count against
 * the daemon or the relay. It prints `{ baseURL, controlURL }` as one JSON line on stdout; the
 * control server (`model-process.ts` is its client) queues replies and reports request timings.
 */
import { type RecordedRequest, type Reply, startScriptedModel } from "@dispatch/testkit";

/** Timing of one chat request as the control server reports it. */
export interface RequestTiming {
  receivedAt: number;
  firstChunkAt: number;
  lastChunkAt: number;
  /** How many messages the request carried. */
  messages: number;
  aborted: boolean;
}

const queue: Reply[] = [];
let fallback: Reply = { text: "ok" };
const model = await startScriptedModel();
model.respondWith(() => queue.shift() ?? fallback);

function timing(request: RecordedRequest): RequestTiming {
  const messages = (request.body as { messages?: unknown[] } | undefined)?.messages?.length ?? 0;
  return {
    receivedAt: request.receivedAt,
    firstChunkAt: request.firstChunkAt ?? Number.NaN,
    lastChunkAt: request.lastChunkAt ?? Number.NaN,
    messages,
    aborted: request.aborted,
  };
}

async function timings(from: number, count: number, timeoutMs: number): Promise<RequestTiming[]> {
  const deadline = Date.now() + timeoutMs;
  while (model.requests.length < from + count) {
    if (Date.now() > deadline) {
      throw new Error(`expected ${from + count} model requests, got ${model.requests.length}`);
    }
    await Bun.sleep(2);
  }
  const wanted = model.requests.slice(from, from + count);
  await Promise.all(wanted.map((request) => request.ended));
  return wanted.map(timing);
}

const control = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  async fetch(req) {
    const url = new URL(req.url);
    switch (`${req.method} ${url.pathname}`) {
      case "POST /enqueue":
        queue.push(...((await req.json()) as Reply[]));
        return new Response(null, { status: 204 });
      case "POST /fallback":
        fallback = (await req.json()) as Reply;
        return new Response(null, { status: 204 });
      case "POST /reset":
        // Drops the recorded requests (their bodies can be large); indexes restart at 0.
        model.requests.length = 0;
        queue.length = 0;
        return new Response(null, { status: 204 });
      case "GET /count":
        return Response.json({ count: model.requests.length });
      case "GET /requests": {
        const from = Number(url.searchParams.get("from") ?? 0);
        const count = Number(url.searchParams.get("count") ?? 1);
        const timeoutMs = Number(url.searchParams.get("timeoutMs") ?? 30_000);
        try {
          return Response.json(await timings(from, count, timeoutMs));
        } catch (err) {
          return Response.json({ error: (err as Error).message }, { status: 504 });
        }
      }
      default:
        return Response.json({ error: `no route ${req.method} ${url.pathname}` }, { status: 404 });
    }
  },
});

process.stdout.write(
  `${JSON.stringify({ baseURL: model.baseURL, controlURL: `http://127.0.0.1:${control.port}` })}\n`,
);
process.on("SIGTERM", () => {
  void Promise.all([model.close(), control.stop(true)]).then(() => process.exit(0));
});
