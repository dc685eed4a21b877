/**
 * A scripted OpenAI-compatible model server on 127.0.0.1 (ephemeral port): replays queued `Reply`
 * values as real chat-completions SSE streams, serves `GET /v1/models`, and records every request,
 * including whether the client aborted it. The outermost edge for provider and turn-loop tests.
 */
import {
  type Delta,
  type Reply,
  replyDeltas,
  replyFinishReason,
  type ScriptedUsage,
  usagePayload,
} from "./reply.ts";

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  /** The parsed JSON body (`undefined` for a GET or an unparsable body). */
  body: unknown;
  /** Lowercased header names. */
  headers: Record<string, string>;
  /** When the request body had arrived: epoch milliseconds with sub-millisecond precision. */
  receivedAt: number;
  /** When the first SSE chunk was written (same clock as `receivedAt`); unset until then. */
  firstChunkAt?: number;
  /** When the last SSE line (`data: [DONE]`) was written (same clock); unset until then. */
  lastChunkAt?: number;
  /** True once the client closed the connection before the response was complete. */
  aborted: boolean;
  /** Resolves when the response is complete or the client aborted it. */
  ended: Promise<"completed" | "aborted">;
}

/** A model listed by `GET /v1/models`; extra fields (e.g. `context_length`) are sent as is. */
export interface ModelEntry {
  id: string;
  [field: string]: unknown;
}

/** What `GET /v1/models` answers: a list, an HTTP error, or a stall (no response until abort). */
export type ModelsScript = readonly (string | ModelEntry)[] | { status: number; body?: unknown } | "stall";

/** Options of `startScriptedModel`. */
export interface ScriptedModelOptions {
  /** Listed by `GET /v1/models` (default `["scripted-model"]`). */
  models?: readonly (string | ModelEntry)[];
  /** Used when neither `respondWith` nor the queue has a reply (default: text "ok"). */
  fallback?: Reply;
}

/** A running scripted model server. */
export interface ScriptedModel {
  /** `http://127.0.0.1:<port>/v1`. */
  readonly baseURL: string;
  /** Queues replies (FIFO), one per chat request. */
  enqueue(...replies: Reply[]): void;
  /** Scripts replies dynamically; returning `undefined` falls back to the queue, then the fallback. */
  respondWith(fn: (request: RecordedRequest) => Reply | undefined): void;
  /** Changes what `GET /v1/models` answers. */
  setModels(script: ModelsScript): void;
  /** Every chat request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Every `GET /v1/models` request, in arrival order. */
  readonly modelRequests: RecordedRequest[];
  /** Resolves once `n` chat requests arrived; rejects after `timeoutMs` (default 5000). */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  /** Stops the server and cuts open connections. */
  close(): Promise<void>;
}

const DEFAULT_FALLBACK: Reply = { text: "ok" };
const encoder = new TextEncoder();

/** Epoch milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

/** Starts a scripted model server, e.g. `const model = await startScriptedModel(); model.enqueue(textReply("hi"))`. */
export async function startScriptedModel(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  const queue: Reply[] = [];
  const requests: RecordedRequest[] = [];
  const modelRequests: RecordedRequest[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let dynamic: ((request: RecordedRequest) => Reply | undefined) | undefined;
  let modelsScript: ModelsScript = options.models ?? ["scripted-model"];
  let callCounter = 0;
  let completionCounter = 0;
  const nextCallId = () => `call_${++callCounter}`;

  const pickReply = (recorded: RecordedRequest): Reply =>
    dynamic?.(recorded) ?? queue.shift() ?? options.fallback ?? DEFAULT_FALLBACK;

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const rawBody = req.method === "POST" ? await req.text() : "";
      const recorded = recordRequest(req, url, rawBody, preciseNow());
      if (req.method === "GET" && url.pathname === "/v1/models") {
        modelRequests.push(recorded.request);
        return modelsResponse(modelsScript, recorded);
      }
      if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") {
        recorded.finish("completed");
        return Response.json(
          { error: { message: `no route ${req.method} ${url.pathname}` } },
          { status: 404 },
        );
      }
      requests.push(recorded.request);
      for (const waiter of waiters.filter((w) => requests.length >= w.n)) waiter.resolve();
      const reply = pickReply(recorded.request);
      if (reply.status !== undefined && reply.status >= 400) {
        recorded.finish("completed");
        return errorResponse(reply);
      }
      const stream = streamReply(reply, {
        body: recorded.request.body,
        rawBodyLength: rawBody.length,
        completionId: `chatcmpl-scripted-${++completionCounter}`,
        nextCallId,
        recorded,
      });
      return new Response(stream, {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache", ...reply.headers },
      });
    },
  });

  return {
    baseURL: `http://127.0.0.1:${server.port}/v1`,
    requests,
    modelRequests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    respondWith: (fn) => {
      dynamic = fn;
    },
    setModels: (script) => {
      modelsScript = script;
    },
    waitForRequests: (n, timeoutMs = 5000) => waitFor(n, timeoutMs, requests, waiters),
    close: async () => {
      await server.stop(true);
    },
  };
}

interface Recorded {
  request: RecordedRequest;
  /** Resolves when the client aborts. */
  abortedSignal: Promise<void>;
  finish(outcome: "completed" | "aborted"): void;
}

function recordRequest(req: Request, url: URL, rawBody: string, receivedAt: number): Recorded {
  let settle: (outcome: "completed" | "aborted") => void = () => {};
  const ended = new Promise<"completed" | "aborted">((resolve) => {
    settle = resolve;
  });
  const headers: Record<string, string> = {};
  req.headers.forEach((value, key) => {
    headers[key.toLowerCase()] = value;
  });
  const request: RecordedRequest = {
    method: req.method,
    path: url.pathname + url.search,
    body: parseJson(rawBody),
    headers,
    receivedAt,
    aborted: false,
    ended,
  };
  let done = false;
  const finish = (outcome: "completed" | "aborted") => {
    if (done) return;
    done = true;
    if (outcome === "aborted") request.aborted = true;
    settle(outcome);
  };
  const abortedSignal = new Promise<void>((resolve) => {
    if (req.signal.aborted) resolve();
    req.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  void abortedSignal.then(() => finish("aborted"));
  return { request, abortedSignal, finish };
}

interface StreamContext {
  body: unknown;
  rawBodyLength: number;
  completionId: string;
  nextCallId(): string;
  recorded: Recorded;
}

function streamReply(reply: Reply, context: StreamContext): ReadableStream<Uint8Array> {
  const model = readField(context.body, "model") ?? "scripted-model";
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: context.completionId,
    object: "chat.completion.chunk",
    created,
    model,
    choices,
    ...extra,
  });
  const deltas = replyDeltas(reply, { nextCallId: context.nextCallId });
  const frames: unknown[] = deltas.map((delta: Delta) => chunk([{ index: 0, delta, finish_reason: null }]));
  frames.push(chunk([{ index: 0, delta: {}, finish_reason: replyFinishReason(reply) }]));
  if (wantsUsage(context.body)) {
    const usage = reply.usage ?? estimateUsage(context.rawBodyLength, deltas.length);
    frames.push(chunk([], { usage: usagePayload(usage) }));
  }
  const { recorded } = context;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const pause = (ms: number | undefined) =>
        ms ? Promise.race([Bun.sleep(ms), recorded.abortedSignal]) : Promise.resolve();
      for (const [i, frame] of frames.entries()) {
        if (reply.stallAfter !== undefined && i >= reply.stallAfter) {
          await recorded.abortedSignal;
          return;
        }
        await pause(i === 0 ? reply.firstTokenDelayMs : reply.tokenDelayMs);
        if (cancelled || recorded.request.aborted) return;
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(frame)}\n\n`));
        if (i === 0) recorded.request.firstChunkAt = preciseNow();
      }
      controller.enqueue(encoder.encode("data: [DONE]\n\n"));
      recorded.request.lastChunkAt = preciseNow();
      controller.close();
      recorded.finish("completed");
    },
    cancel() {
      cancelled = true;
      recorded.finish("aborted");
    },
  });
}

function modelsResponse(script: ModelsScript, recorded: Recorded): Response | Promise<Response> {
  if (script === "stall") {
    return recorded.abortedSignal.then(() => new Response(null, { status: 499 }));
  }
  recorded.finish("completed");
  if ("status" in script) {
    return Response.json(script.body ?? { error: { message: `scripted error ${script.status}` } }, {
      status: script.status,
    });
  }
  const data = script.map((entry) =>
    typeof entry === "string"
      ? { id: entry, object: "model", created: 0, owned_by: "testkit" }
      : { object: "model", created: 0, owned_by: "testkit", ...entry },
  );
  return Response.json({ object: "list", data });
}

function errorResponse(reply: Reply): Response {
  const status = reply.status ?? 500;
  const body = reply.errorBody ?? {
    error: { message: `scripted error ${status}`, type: "scripted_error", code: status },
  };
  return Response.json(body, { status, headers: reply.headers ?? {} });
}

function waitFor(
  n: number,
  timeoutMs: number,
  requests: readonly RecordedRequest[],
  waiters: { n: number; resolve: () => void }[],
): Promise<void> {
  if (requests.length >= n) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const waiter = {
      n,
      resolve: () => {
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(waiter), 1);
        resolve();
      },
    };
    const timer = setTimeout(() => {
      waiters.splice(waiters.indexOf(waiter), 1);
      reject(
        new Error(`waitForRequests: expected ${n} chat requests, got ${requests.length} in ${timeoutMs} ms`),
      );
    }, timeoutMs);
    waiters.push(waiter);
  });
}

function estimateUsage(rawBodyLength: number, chunkCount: number): ScriptedUsage {
  return { prompt_tokens: Math.ceil(rawBodyLength / 4), completion_tokens: chunkCount };
}

function wantsUsage(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const streamOptions = (body as { stream_options?: { include_usage?: unknown } }).stream_options;
  return streamOptions?.include_usage === true;
}

function readField(body: unknown, field: string): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const value = (body as Record<string, unknown>)[field];
  return typeof value === "string" ? value : undefined;
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
