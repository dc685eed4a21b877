/**
 * `replayFetch`: a `fetch` that answers from recorded fixtures (in order), streaming each response
 * body in `chunkBytes`-sized pieces so SSE parsing is exercised across arbitrary chunk boundaries.
 * It captures every outgoing request, so tests can assert on the exact body sent.
 */
import type { HttpExchangeFixture } from "./fixture.ts";
import type { FetchLike } from "./record.ts";

/** Options of `replayFetch`. */
export interface ReplayOptions {
  /** Split the body into pieces of this many bytes (default: one piece). */
  chunkBytes?: number;
}

/** A request the replayer received. */
export interface CapturedRequest {
  method: string;
  url: string;
  /** Lowercased names. */
  headers: Record<string, string>;
  body: string | null;
}

/** The replaying fetch and what it was asked. */
export interface Replay {
  fetch: FetchLike;
  requests: CapturedRequest[];
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Replays `fixtures` one per call, e.g. `const replay = replayFetch(fixture, { chunkBytes: 7 })`. A
 * call beyond the last fixture rejects with a message naming the request.
 */
export function replayFetch(
  fixtures: HttpExchangeFixture | readonly HttpExchangeFixture[],
  options: ReplayOptions = {},
): Replay {
  const queue = Array.isArray(fixtures) ? [...fixtures] : [fixtures as HttpExchangeFixture];
  const requests: CapturedRequest[] = [];
  const fetch: FetchLike = async (input, init) => {
    const request = input instanceof Request ? new Request(input, init) : new Request(String(input), init);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    const body =
      typeof init?.body === "string" ? init.body : request.body === null ? null : await request.text();
    requests.push({ method: request.method, url: request.url, headers, body });
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) throw abortError(signal);
    const fixture = queue.shift();
    if (fixture === undefined) {
      throw new Error(`replayFetch: no recorded exchange left for ${request.method} ${request.url}`);
    }
    const { status, statusText, headers: responseHeaders } = fixture.response;
    const stream = NULL_BODY_STATUSES.has(status)
      ? null
      : chunked(fixture.response.body, options.chunkBytes, signal);
    return new Response(stream, { status, ...(statusText ? { statusText } : {}), headers: responseHeaders });
  };
  return { fetch, requests };
}

/** The text's UTF-8 bytes as a stream of `size`-byte pieces, one per read; errors when `signal` aborts. */
export function chunked(
  text: string,
  size: number | undefined,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const step = size && size > 0 ? size : Math.max(1, bytes.length);
  let offset = 0;
  let onAbort: (() => void) | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (signal === undefined) return;
      onAbort = () => controller.error(abortError(signal));
      signal.addEventListener("abort", onAbort, { once: true });
    },
    pull(controller) {
      if (offset >= bytes.length) {
        if (onAbort) signal?.removeEventListener("abort", onAbort);
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + step));
      offset += step;
    },
    cancel() {
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    },
  });
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}
