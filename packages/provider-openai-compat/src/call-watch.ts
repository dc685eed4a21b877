/**
 * One HTTP call, watched: a `fetch` wrapper that records the verbatim request body and status for
 * the `provider.request` span, and aborts the call when no response byte arrives within the
 * first-byte timeout or the body goes quiet for longer than the idle timeout.
 */
import type { AbortSignalLike } from "@dispatch/kernel";

/** A `fetch`-shaped function (the global `fetch`, a recorder, a replayer). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of `watchCall`. */
export interface CallWatchOptions {
  fetch: FetchLike;
  /** The caller's signal; aborting it cancels the call quietly. */
  signal?: AbortSignalLike;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
}

/** A watched call: pass `fetch` and `signal` to the HTTP client, then `dispose()`. */
export interface CallWatch {
  /** Use for every request of the call; as the AI SDK expects it, typed as the global `fetch`. */
  readonly fetch: typeof fetch;
  /** Aborts when the caller aborts or a timeout fires. */
  readonly signal: AbortSignal;
  /** Which timeout fired, if any. */
  readonly timedOut: { kind: "first-byte" | "idle"; ms: number } | undefined;
  /** The last request's URL, verbatim body and response status. */
  readonly request: { url?: string; body?: string; status?: number };
  /** Clears timers and listeners; aborts the call if it is still running. */
  dispose(): void;
}

/** Starts watching a call. */
export function watchCall(options: CallWatchOptions): CallWatch {
  const controller = new AbortController();
  const request: { url?: string; body?: string; status?: number } = {};
  let timedOut: CallWatch["timedOut"];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const onCallerAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  else options.signal?.addEventListener("abort", onCallerAbort, { once: true });

  // One timer per quiet period, not per chunk: a chunk only stamps `lastByteAt`; when the idle
  // timer fires early (bytes came meanwhile) it re-arms for the rest of the period.
  let mode: "first-byte" | "idle" = "first-byte";
  let lastByteAt = 0;
  const fire = () => {
    const ms = mode === "first-byte" ? options.firstByteTimeoutMs : options.idleTimeoutMs;
    const quietFor = performance.now() - lastByteAt;
    if (mode === "idle" && quietFor < ms) {
      timer = setTimeout(fire, ms - quietFor);
      return;
    }
    timedOut = { kind: mode, ms };
    controller.abort(new Error(`${mode} timeout after ${ms} ms`));
  };
  const arm = (next: "first-byte" | "idle") => {
    clearTimeout(timer);
    mode = next;
    lastByteAt = performance.now();
    timer = setTimeout(fire, next === "first-byte" ? options.firstByteTimeoutMs : options.idleTimeoutMs);
  };
  const onBytes = () => {
    if (mode === "idle") lastByteAt = performance.now();
    else arm("idle");
  };
  const disarm = () => clearTimeout(timer);

  const watchedFetch: FetchLike = async (input, init) => {
    request.url = input instanceof Request ? input.url : String(input);
    request.body = typeof init?.body === "string" ? init.body : undefined;
    arm("first-byte");
    try {
      const response = await options.fetch(input, { ...init, signal: controller.signal });
      request.status = response.status;
      return watchBody(response, onBytes, disarm);
    } catch (error) {
      disarm();
      throw error;
    }
  };

  return {
    fetch: Object.assign(watchedFetch, { preconnect: fetch.preconnect }),
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    request,
    dispose() {
      disarm();
      options.signal?.removeEventListener("abort", onCallerAbort);
      if (!controller.signal.aborted) controller.abort(new Error("call finished"));
    },
  };
}

function watchBody(response: Response, onBytes: () => void, onEnd: () => void): Response {
  const source = response.body;
  if (source === null) {
    onEnd();
    return response;
  }
  const reader = source.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          onEnd();
          controller.close();
          return;
        }
        onBytes();
        controller.enqueue(value);
      } catch (error) {
        onEnd();
        controller.error(error);
      }
    },
    cancel(reason) {
      onEnd();
      return reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
