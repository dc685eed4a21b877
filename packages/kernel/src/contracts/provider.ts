/**
 * The provider contract: how the turn loop talks to a model. A provider turns one request into a
 * stream of `ProviderEvent`s; it never runs tools and never retries on its own.
 */
import type { ChatMessage, FinishReason, ReasoningEffort, Usage } from "@dispatch/wire";
import type { AbortSignalLike } from "../platform.ts";
import type { Logger } from "./logging.ts";
import type { ToolSpec } from "./tool.ts";

/** What the catalog knows about a model. */
export interface ModelInfo {
  id: string;
  displayName?: string;
  contextWindow?: number;
  vision?: boolean;
}

/** One model call. */
export interface ProviderRequest {
  /** The model id at this provider (no credential prefix). */
  model: string;
  /** The conversation so far; `error` chunks and other non-model chunks are the provider's to drop. */
  messages: readonly ChatMessage[];
  tools: readonly ToolSpec[];
  /** Sent as the system message; byte-stable across a conversation's turns for prompt caching. */
  systemPrompt?: string;
  reasoningEffort?: ReasoningEffort;
  maxOutputTokens?: number;
  /** Aborting cancels the HTTP request. */
  signal: AbortSignalLike;
  /** For the provider's `provider.request` span. */
  logger: Logger;
}

/** What a provider streams back. */
export type ProviderEvent =
  | { type: "text-delta"; delta: string }
  | { type: "reasoning-delta"; delta: string }
  /** A complete call with parsed input (a string when the model sent invalid JSON). */
  | { type: "tool-call"; toolCallId: string; toolName: string; input: unknown }
  | { type: "usage"; usage: Usage }
  | { type: "finish"; reason: FinishReason }
  /** A failure; `retryable` says whether the same request may succeed later (rate limit, 5xx, network). */
  | { type: "error"; message: string; code?: string; retryable: boolean };

/** A model backend, registered under a unique `id`. */
export interface Provider {
  readonly id: string;
  /**
   * Streams one model call. Contract: expected failures (HTTP errors, bad credentials, timeouts) are
   * yielded as an `error` event and end the stream; a throw is treated as a retryable error.
   * Ends without an event when the signal aborts.
   */
  stream(request: ProviderRequest): AsyncIterable<ProviderEvent>;
  /** The models this provider offers. Contract: rejects on failure; callers decide how to degrade. */
  listModels?(signal?: AbortSignalLike): Promise<ModelInfo[]>;
}
