/**
 * Pure mappings from OpenAI chat completions values to ours: usage (with cache details), finish
 * reasons and reasoning effort.
 */
import type { FinishReason, ReasoningEffort, Usage } from "@dispatch/wire";

/** Our usage from the server's `usage` object, or `undefined` when it sent none. */
export function toUsage(raw: unknown): Usage | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const usage = raw as Record<string, unknown>;
  const result: Usage = {
    inputTokens: count(usage.prompt_tokens) ?? 0,
    outputTokens: count(usage.completion_tokens) ?? 0,
  };
  const details = record(usage.prompt_tokens_details);
  // DeepSeek reports cache hits as `prompt_cache_hit_tokens` instead of `prompt_tokens_details`.
  const cacheRead = positive(details.cached_tokens) ?? positive(usage.prompt_cache_hit_tokens);
  if (cacheRead !== undefined) result.cacheReadTokens = cacheRead;
  const cacheWrite = positive(details.cache_write_tokens) ?? positive(usage.cache_creation_input_tokens);
  if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
  return result;
}

/**
 * Our finish reason for the server's `finish_reason`: the common ones mapped (`stop` becomes
 * `content-filter` when the model refused), anything else passed through as the raw string.
 */
export function toFinishReason(raw: string, refused = false): FinishReason {
  switch (raw) {
    case "stop":
      return refused ? "content-filter" : "stop";
    case "length":
      return "length";
    case "content_filter":
      return "content-filter";
    case "tool_calls":
    case "function_call":
      return "tool-calls";
    default:
      return raw;
  }
}

/**
 * The `reasoning_effort` value sent for our effort. OpenAI-compatible servers accept
 * low/medium/high; `xhigh` and `max` have no common equivalent and are sent as `high`.
 */
export function toReasoningEffort(effort: ReasoningEffort): "low" | "medium" | "high" {
  return effort === "low" || effort === "medium" ? effort : "high";
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function positive(value: unknown): number | undefined {
  return typeof value === "number" && value > 0 ? value : undefined;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}
