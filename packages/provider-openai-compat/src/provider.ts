/**
 * One OpenAI-compatible `Provider`: builds the chat completions request from our history, streams
 * the response through `ChatStreamDecoder` (SSE framing by `eventsource-parser`), enforces the
 * first-byte and idle timeouts, and records one `provider.request` span per call (never the key).
 * It resolves its credential at call time. Why this is not the AI SDK's `doStream` any more:
 * `notes/provider-streaming.md`.
 */

import type { ApiKeyService } from "@dispatch/auth-apikey";
import {
  type AbortSignalLike,
  errorMessage,
  type ModelInfo,
  type Provider,
  type ProviderEvent,
  type ProviderRequest,
  type Span,
} from "@dispatch/kernel";
import type { Usage } from "@dispatch/wire";
import { type CallWatch, type FetchLike, watchCall } from "./call-watch.ts";
import { ChatStreamDecoder } from "./chat-stream.ts";
import { toChatMessages, toFunctionTools } from "./convert-messages.ts";
import {
  classifyStatus,
  errorDetail,
  missingCredentials,
  networkFailure,
  type ProviderErrorEvent,
  redact,
  streamFailure,
  timedOut,
  unexpectedFailure,
} from "./errors.ts";
import { parseModelList } from "./list-models.ts";
import { toReasoningEffort } from "./map-parts.ts";

/** Default first-byte and idle timeouts. */
export const DEFAULT_TIMEOUT_MS = 120_000;

/** Options of `createOpenAICompatProvider`. */
export interface OpenAICompatProviderOptions {
  /** The provider id models resolve to (e.g. `openai-compat`). */
  id: string;
  /** The credential name looked up in `keys` on every call. */
  credential: string;
  keys: ApiKeyService;
  /** No response byte within this many ms cancels the call (default 120000). */
  firstByteTimeoutMs?: number;
  /** No further response byte within this many ms cancels the call (default 120000). */
  idleTimeoutMs?: number;
  /** The HTTP client (default: the global `fetch`); tests pass a recorder or replayer. */
  fetch?: FetchLike;
}

/** Creates one provider, e.g. `createOpenAICompatProvider({ id: "openai-compat", credential: "opencode", keys })`. */
export function createOpenAICompatProvider(options: OpenAICompatProviderOptions): Provider {
  const timeouts = {
    firstByteTimeoutMs: options.firstByteTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  const baseFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const watch = (signal?: AbortSignalLike) =>
    watchCall({ fetch: baseFetch, ...timeouts, ...(signal ? { signal } : {}) });

  return {
    id: options.id,
    stream(request) {
      return streamCall(options, request, watch(request.signal));
    },
    async listModels(signal) {
      const credentials = options.keys.resolve(options.credential);
      if (credentials === undefined)
        throw new Error(missingCredentials(options.id, options.credential).message);
      const call = watch(signal);
      try {
        const headers: Record<string, string> = credentials.apiKey
          ? { authorization: `Bearer ${credentials.apiKey}` }
          : {};
        const response = await call.fetch(endpoint(credentials.baseURL, "models"), { headers });
        if (!response.ok) {
          const detail = errorDetail(await response.text().catch(() => ""));
          throw new Error(classifyStatus(response.status, redact(detail, credentials.apiKey)).message);
        }
        return parseModelList(await response.json()) satisfies ModelInfo[];
      } catch (error) {
        if (call.timedOut) throw new Error(timedOut(call.timedOut.kind, call.timedOut.ms).message);
        throw error;
      } finally {
        call.dispose();
      }
    },
  };
}

const nextImmediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Lets the writes queued so far (the first token) leave the process before the rest of a burst is
 * processed. Measured on Bun 1.4.5: one `setImmediate` does not flush a streamed response, two
 * do (within ~0.3 ms); `setTimeout(0)` does too but costs a 1 ms clamp.
 */
async function flushWrites(): Promise<void> {
  await nextImmediate();
  await nextImmediate();
}

/** `<baseURL>/<path>`, whether or not the base URL ends with a slash. */
function endpoint(baseURL: string, path: string): string {
  return `${baseURL.replace(/\/+$/, "")}/${path}`;
}

/** The chat completions request body, in the field order OpenAI documents. */
function requestBody(request: ProviderRequest): string {
  return JSON.stringify({
    model: request.model,
    ...(request.maxOutputTokens !== undefined ? { max_tokens: request.maxOutputTokens } : {}),
    ...(request.reasoningEffort ? { reasoning_effort: toReasoningEffort(request.reasoningEffort) } : {}),
    messages: toChatMessages(request.messages, request.systemPrompt),
    ...(request.tools.length > 0 ? { tools: toFunctionTools(request.tools), tool_choice: "auto" } : {}),
    stream: true,
    stream_options: { include_usage: true },
  });
}

async function* streamCall(
  options: OpenAICompatProviderOptions,
  request: ProviderRequest,
  call: CallWatch,
): AsyncGenerator<ProviderEvent> {
  const credentials = options.keys.resolve(options.credential);
  if (credentials === undefined) {
    call.dispose();
    yield missingCredentials(options.id, options.credential);
    return;
  }
  const span = request.logger.span("provider.request", {
    provider: options.id,
    credential: options.credential,
    model: request.model,
  });
  const outcome: Outcome = {};
  const url = endpoint(credentials.baseURL, "chat/completions");
  let streaming = false;
  try {
    if (request.signal.aborted) return;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (credentials.apiKey) headers.authorization = `Bearer ${credentials.apiKey}`;
    let response: Response;
    try {
      response = await call.fetch(url, { method: "POST", headers, body: requestBody(request) });
    } catch (error) {
      if (request.signal.aborted) return;
      throw call.timedOut ? error : new NetworkError(error);
    }
    if (!response.ok) {
      const detail = errorDetail(await response.text());
      yield fail(outcome, classifyStatus(response.status, detail), credentials.apiKey);
      return;
    }
    if (response.body === null) {
      yield fail(outcome, streamFailure("the provider answered without a body"), credentials.apiKey);
      return;
    }
    const reader = response.body.getReader();
    streaming = true;
    const decoder = new ChatStreamDecoder();
    let flushed = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (!done) call.sawBytes();
      for (const event of done ? decoder.end() : decoder.push(value)) {
        if (event.type === "error") {
          yield fail(outcome, event, credentials.apiKey);
          return;
        }
        if (event.type === "finish") outcome.finishReason = event.reason;
        else if (event.type === "usage") outcome.usage = event.usage;
        yield event;
        // A burst of chunks is decoded in one go; let the first token leave before the rest.
        if (!flushed && (event.type === "text-delta" || event.type === "reasoning-delta")) {
          flushed = true;
          await flushWrites();
        }
      }
      if (done) return;
    }
  } catch (error) {
    if (request.signal.aborted) return;
    const event = call.timedOut
      ? timedOut(call.timedOut.kind, call.timedOut.ms)
      : error instanceof NetworkError
        ? networkFailure(url, error.cause)
        : streaming
          ? streamFailure(`the provider's stream broke off: ${errorMessage(error)}`)
          : unexpectedFailure(error);
    yield fail(outcome, event, credentials.apiKey);
  } finally {
    call.dispose();
    endSpan(span, call, outcome, request.signal.aborted);
  }
}

/** A fetch that failed before any response. */
class NetworkError extends Error {
  constructor(cause: unknown) {
    super("network error", { cause });
  }
}

/** Records the error as the call's outcome, with the key redacted from its message. */
function fail(outcome: Outcome, event: ProviderErrorEvent, apiKey: string | undefined): ProviderErrorEvent {
  event.message = redact(event.message, apiKey);
  outcome.error = event;
  return event;
}

interface Outcome {
  finishReason?: string;
  usage?: Usage;
  error?: ProviderErrorEvent;
}

function endSpan(span: Span, call: CallWatch, outcome: Outcome, aborted: boolean): void {
  const attributes: Record<string, string | number | boolean> = {};
  if (call.request.url !== undefined) attributes.url = call.request.url;
  if (call.request.status !== undefined) attributes.status = call.request.status;
  if (outcome.finishReason !== undefined) attributes.finishReason = outcome.finishReason;
  if (outcome.usage) {
    attributes.inputTokens = outcome.usage.inputTokens;
    attributes.outputTokens = outcome.usage.outputTokens;
    attributes.cacheReadTokens = outcome.usage.cacheReadTokens ?? 0;
  }
  if (aborted) attributes.aborted = true;
  if (outcome.error) {
    attributes.errorCode = outcome.error.code ?? "UNKNOWN";
    attributes.retryable = outcome.error.retryable;
  }
  span.end({
    attributes,
    ...(call.request.body !== undefined ? { body: call.request.body } : {}),
    ...(outcome.error ? { error: new Error(outcome.error.message) } : {}),
  });
}
