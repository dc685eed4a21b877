/**
 * One HTTP call, watched: a `fetch` wrapper that records the verbatim request body and status for
 * the `provider.request` span, and aborts the call when no response arrives within the first-byte
 * timeout or the body goes quiet for longer than the idle timeout. Whoever reads the body calls
 * `sawBytes()` per piece read.
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

/** A watched call: send with `fetch`, stamp `sawBytes()` while reading the body, then `dispose()`. */
export interface CallWatch {
  /** Sends the call's request with its signal. */
  fetch(url: string, init: RequestInit): Promise<Response>;
  /** Aborts when the caller aborts or a timeout fires. */
  readonly signal: AbortSignal;
  /** Which timeout fired, if any. */
  readonly timedOut: { kind: "first-byte" | "idle"; ms: number } | undefined;
  /** The last request's URL, verbatim body and response status. */
  readonly request: { url?: string; body?: string; status?: number };
  /** Response bytes arrived: the body is not idle. */
  sawBytes(): void;
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

  // One timer per quiet period, not per chunk: bytes only stamp `lastByteAt`; when the idle timer
  // fires early (bytes came meanwhile) it re-arms for the rest of the period.
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
  const sawBytes = () => {
    if (mode === "idle") lastByteAt = performance.now();
    else arm("idle");
  };

  return {
    async fetch(url, init) {
      request.url = url;
      request.body = typeof init.body === "string" ? init.body : undefined;
      arm("first-byte");
      const response = await options.fetch(url, { ...init, signal: controller.signal });
      request.status = response.status;
      sawBytes();
      return response;
    },
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    request,
    sawBytes,
    dispose() {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onCallerAbort);
      if (!controller.signal.aborted) controller.abort(new Error("call finished"));
    },
  };
}
