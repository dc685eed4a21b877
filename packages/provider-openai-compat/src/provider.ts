/**
 * One OpenAI-compatible `Provider` on the AI SDK (`streamText` + `@ai-sdk/openai-compatible`). It
 * resolves its credential at call time, maps `fullStream` parts to `ProviderEvent`s, enforces the
 * first-byte and idle timeouts, and records one `provider.request` span per call (never the key).
 */

import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { ApiKeyService } from "@dispatch/auth-apikey";
import type {
  AbortSignalLike,
  ModelInfo,
  Provider,
  ProviderEvent,
  ProviderRequest,
  Span,
} from "@dispatch/kernel";
import { stepCountIs, streamText, type TextStreamPart, type ToolSet } from "ai";
import { type CallWatch, type FetchLike, watchCall } from "./call-watch.ts";
import { toModelMessages, toModelTools } from "./convert-messages.ts";
import {
  classifyError,
  classifyStatus,
  missingCredentials,
  type ProviderErrorEvent,
  redact,
  timedOut,
} from "./errors.ts";
import { parseModelList } from "./list-models.ts";
import { toFinishReason, toReasoningEffort, toUsage } from "./map-parts.ts";

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
        const response = await call.fetch(`${credentials.baseURL}/models`, { headers, signal: call.signal });
        if (!response.ok) {
          const detail = redact(await response.text().catch(() => ""), credentials.apiKey);
          throw new Error(classifyStatus(response.status, detail.slice(0, 500)).message);
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
  try {
    if (request.signal.aborted) return;
    const sdk = createOpenAICompatible({
      name: options.id,
      baseURL: credentials.baseURL,
      ...(credentials.apiKey ? { apiKey: credentials.apiKey } : {}),
      includeUsage: true,
      // Image URLs go to the provider as they are; the daemon never downloads them itself.
      supportedUrls: () => ({ "image/*": [/^https?:\/\//] }),
      fetch: call.fetch,
    });
    const tools = toModelTools(request.tools);
    const result = streamText({
      model: sdk.chatModel(request.model),
      ...(request.systemPrompt ? { instructions: request.systemPrompt } : {}),
      messages: toModelMessages(request.messages),
      allowSystemInMessages: true,
      ...(request.tools.length > 0 ? { tools, toolOrder: request.tools.map((t) => t.name) } : {}),
      ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
      ...(request.reasoningEffort
        ? {
            providerOptions: {
              openaiCompatible: { reasoningEffort: toReasoningEffort(request.reasoningEffort) },
            },
          }
        : {}),
      maxRetries: 0,
      stopWhen: stepCountIs(1),
      abortSignal: call.signal,
      // Errors arrive as `error` parts of `fullStream`; without this the SDK logs them to the console.
      onError: () => {},
    });
    for await (const part of result.fullStream) {
      const events = mapPart(part, call, request.signal, outcome);
      for (const event of events) {
        if (event.type === "error") {
          event.message = redact(event.message, credentials.apiKey);
          outcome.error = event;
        }
        yield event;
      }
      if (outcome.error || outcome.aborted) return;
    }
  } catch (error) {
    if (!request.signal.aborted) {
      const event = call.timedOut ? timedOut(call.timedOut.kind, call.timedOut.ms) : classifyError(error);
      event.message = redact(event.message, credentials.apiKey);
      outcome.error = event;
      yield event;
    }
  } finally {
    call.dispose();
    endSpan(span, call, outcome, request.signal.aborted);
  }
}

interface Outcome {
  finishReason?: string;
  usage?: { inputTokens: number; outputTokens: number; cacheReadTokens?: number };
  error?: ProviderErrorEvent;
  aborted?: boolean;
}

function mapPart(
  part: TextStreamPart<ToolSet>,
  call: CallWatch,
  callerSignal: AbortSignalLike,
  outcome: Outcome,
): ProviderEvent[] {
  switch (part.type) {
    case "text-delta":
      return part.text ? [{ type: "text-delta", delta: part.text }] : [];
    case "reasoning-delta":
      return part.text ? [{ type: "reasoning-delta", delta: part.text }] : [];
    case "tool-call":
      return [{ type: "tool-call", toolCallId: part.toolCallId, toolName: part.toolName, input: part.input }];
    case "finish-step": {
      const usage = toUsage(part.usage);
      if (usage) outcome.usage = usage;
      return usage ? [{ type: "usage", usage }] : [];
    }
    case "finish": {
      const reason = toFinishReason(part.finishReason, part.rawFinishReason);
      outcome.finishReason = reason;
      return [{ type: "finish", reason }];
    }
    case "error":
    case "abort":
      if (call.timedOut) return [timedOut(call.timedOut.kind, call.timedOut.ms)];
      if (callerSignal.aborted) {
        outcome.aborted = true;
        return [];
      }
      return [
        part.type === "error" ? classifyError(part.error) : classifyError(new Error("the call was aborted")),
      ];
    default:
      return [];
  }
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
