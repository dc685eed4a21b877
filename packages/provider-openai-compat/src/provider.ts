/**
 * One OpenAI-compatible `Provider` on the AI SDK's language-model layer (`@ai-sdk/openai-compatible`
 * `doStream`: request building, SSE parsing, chunk validation, tool-call assembly). It resolves its
 * credential at call time, maps stream parts to `ProviderEvent`s, enforces the first-byte and idle
 * timeouts, and records one `provider.request` span per call (never the key). The SDK is loaded by
 * the first call (`sdk.ts`), not at start.
 */

import type { ApiKeyService } from "@dispatch/auth-apikey";
import type {
  AbortSignalLike,
  ModelInfo,
  Provider,
  ProviderEvent,
  ProviderRequest,
  Span,
} from "@dispatch/kernel";
import { type CallWatch, type FetchLike, watchCall } from "./call-watch.ts";
import { toFunctionTools, toPrompt } from "./convert-messages.ts";
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
import type { CallOptions, ChatModel, StreamPart } from "./model-types.ts";

/** Default first-byte and idle timeouts. */
export const DEFAULT_TIMEOUT_MS = 120_000;

/** Chat models kept per provider (endpoint × key × model id); past this the cache starts over. */
const MAX_CACHED_MODELS = 16;

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

/** The AI SDK, once loaded. */
type Sdk = typeof import("./sdk.ts");

let loadedSdk: Promise<Sdk> | undefined;

/** Loads the AI SDK once per process; every provider shares it. */
function loadSdk(): Promise<Sdk> {
  loadedSdk ??= import("./sdk.ts");
  return loadedSdk;
}

/** Resolves a model for the credentials of one call. */
type ModelFor = (sdk: Sdk, credentials: { baseURL: string; apiKey?: string }, modelId: string) => ChatModel;

/** Creates one provider, e.g. `createOpenAICompatProvider({ id: "openai-compat", credential: "opencode", keys })`. */
export function createOpenAICompatProvider(options: OpenAICompatProviderOptions): Provider {
  const timeouts = {
    firstByteTimeoutMs: options.firstByteTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  const baseFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const watch = (signal?: AbortSignalLike) =>
    watchCall({ fetch: baseFetch, ...timeouts, ...(signal ? { signal } : {}) });
  // Models are cached (building one compiles its chunk schema), so each request finds its call's
  // watched fetch through the abort signal the call passes to the SDK.
  const calls = new WeakMap<AbortSignal, CallWatch>();
  const routedFetch: FetchLike = (input, init) => {
    const call = init?.signal ? calls.get(init.signal) : undefined;
    return call ? call.fetch(input, init) : baseFetch(input, init);
  };
  const sdkFetch = Object.assign(routedFetch, { preconnect: fetch.preconnect });
  const models = new Map<string, ChatModel>();
  const modelFor: ModelFor = (sdk, credentials, modelId) => {
    const key = JSON.stringify([credentials.baseURL, credentials.apiKey ?? "", modelId]);
    let model = models.get(key);
    if (model === undefined) {
      if (models.size >= MAX_CACHED_MODELS) models.clear();
      const factory = sdk.createOpenAICompatible({
        name: options.id,
        baseURL: credentials.baseURL,
        ...(credentials.apiKey ? { apiKey: credentials.apiKey } : {}),
        includeUsage: true,
        fetch: sdkFetch,
      });
      model = factory.chatModel(modelId);
      models.set(key, model);
    }
    return model;
  };

  return {
    id: options.id,
    stream(request) {
      const call = watch(request.signal);
      calls.set(call.signal, call);
      return streamCall(options, request, call, modelFor);
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

function callOptions(request: ProviderRequest, signal: AbortSignal): CallOptions {
  return {
    prompt: toPrompt(request.messages, request.systemPrompt),
    // `toolChoice: auto` as `streamText` sent it, so the request body stays the same.
    ...(request.tools.length > 0
      ? { tools: toFunctionTools(request.tools), toolChoice: { type: "auto" as const } }
      : {}),
    ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
    ...(request.reasoningEffort
      ? {
          providerOptions: {
            openaiCompatible: { reasoningEffort: toReasoningEffort(request.reasoningEffort) },
          },
        }
      : {}),
    abortSignal: signal,
  };
}

async function* streamCall(
  options: OpenAICompatProviderOptions,
  request: ProviderRequest,
  call: CallWatch,
  modelFor: ModelFor,
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
  let sdk: Sdk | undefined;
  try {
    if (request.signal.aborted) return;
    sdk = await loadSdk();
    const model = modelFor(sdk, credentials, request.model);
    const { stream } = await model.doStream(callOptions(request, call.signal));
    let flushed = false;
    for await (const part of stream) {
      const events = mapPart(part, call, request.signal, outcome, sdk);
      for (const event of events) {
        if (event.type === "error") {
          event.message = redact(event.message, credentials.apiKey);
          outcome.error = event;
        }
        yield event;
        // A burst of chunks is processed in one go; let the first token leave before the rest.
        if (!flushed && (event.type === "text-delta" || event.type === "reasoning-delta")) {
          flushed = true;
          await flushWrites();
        }
      }
      if (outcome.error || outcome.aborted) return;
    }
  } catch (error) {
    if (!request.signal.aborted) {
      const event = call.timedOut
        ? timedOut(call.timedOut.kind, call.timedOut.ms)
        : classifyError(error, sdk);
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
  part: StreamPart,
  call: CallWatch,
  callerSignal: AbortSignalLike,
  outcome: Outcome,
  sdk: Sdk,
): ProviderEvent[] {
  switch (part.type) {
    case "text-delta":
      return part.delta ? [{ type: "text-delta", delta: part.delta }] : [];
    case "reasoning-delta":
      return part.delta ? [{ type: "reasoning-delta", delta: part.delta }] : [];
    case "tool-call":
      return [
        {
          type: "tool-call",
          toolCallId: part.toolCallId,
          toolName: part.toolName,
          input: parseInput(part.input),
        },
      ];
    case "finish": {
      const usage = toUsage(part.usage);
      if (usage) outcome.usage = usage;
      const reason = toFinishReason(part.finishReason.unified, part.finishReason.raw);
      outcome.finishReason = reason;
      return usage
        ? [
            { type: "usage", usage },
            { type: "finish", reason },
          ]
        : [{ type: "finish", reason }];
    }
    case "error":
      if (call.timedOut) return [timedOut(call.timedOut.kind, call.timedOut.ms)];
      if (callerSignal.aborted) {
        outcome.aborted = true;
        return [];
      }
      return [classifyError(part.error, sdk)];
    default:
      return [];
  }
}

/** A tool call's JSON arguments as an object; invalid JSON passes through as the raw string. */
function parseInput(input: string): unknown {
  try {
    return JSON.parse(input);
  } catch {
    return input;
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
