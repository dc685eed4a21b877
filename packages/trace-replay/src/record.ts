/**
 * `recordFetch`: wraps a real `fetch` and reports every exchange as a fixture once its response body
 * is complete, while the caller still reads the response as a live stream. Credentials are redacted
 * before anything leaves: auth headers always, and every occurrence of a given secret anywhere.
 */
import type { HttpExchangeFixture } from "./fixture.ts";

/** A `fetch`-shaped function. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of `recordFetch`. */
export interface RecordFetchOptions {
  /** Values (API keys, tokens) replaced by `[redacted]` wherever they appear. */
  secrets?: readonly string[];
}

/** Replaces auth headers and secrets. */
export const REDACTED = "[redacted]";

const AUTH_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "cookie",
  "set-cookie",
]);
/** Headers that describe one transfer, not the content; dropped so replays and diffs stay stable. */
const TRANSIENT_HEADERS = new Set([
  "date",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
]);

/**
 * Wraps `realFetch`. Contract: `onExchange` is called once per exchange after the response body ends
 * (or breaks off; the body then holds what arrived) and must not throw.
 */
export function recordFetch(
  realFetch: FetchLike,
  onExchange: (fixture: HttpExchangeFixture) => void,
  options: RecordFetchOptions = {},
): FetchLike {
  const scrub = (text: string) => redactSecrets(text, options.secrets ?? []);
  return async (input, init) => {
    const request = input instanceof Request ? new Request(input, init) : new Request(String(input), init);
    const requestBody = typeof init?.body === "string" ? init.body : await bodyText(request.clone());
    const response = await realFetch(input, init);
    const exchange = (body: string): HttpExchangeFixture => ({
      request: {
        method: request.method,
        url: scrub(request.url),
        headers: scrubHeaders(request.headers, scrub),
        body: requestBody === null ? null : scrub(requestBody),
      },
      response: {
        status: response.status,
        ...(response.statusText ? { statusText: response.statusText } : {}),
        headers: scrubHeaders(response.headers, scrub),
        body: scrub(body),
      },
    });
    if (response.body === null) {
      onExchange(exchange(""));
      return response;
    }
    const [forCaller, forRecord] = response.body.tee();
    void readAll(forRecord).then((body) => onExchange(exchange(body)));
    return new Response(forCaller, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** Replaces every occurrence of each secret with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join(REDACTED);
  return out;
}

function scrubHeaders(headers: Headers, scrub: (text: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    const name = key.toLowerCase();
    if (TRANSIENT_HEADERS.has(name)) return;
    out[name] = AUTH_HEADERS.has(name) ? REDACTED : scrub(value);
  });
  return out;
}

async function bodyText(request: { body: unknown; text(): Promise<string> }): Promise<string | null> {
  if (request.body === null) return null;
  return request.text();
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The caller aborted or the connection broke: keep what arrived.
  }
  return text + decoder.decode();
}
