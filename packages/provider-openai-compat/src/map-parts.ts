/**
 * Pure mappings from AI SDK language-model values to ours: usage (with cache details), finish
 * reasons and reasoning effort.
 */
import type { FinishReason, ReasoningEffort, Usage } from "@dispatch/wire";
import type { ModelUsage } from "./model-types.ts";

/** Our usage from the model's, or `undefined` when the server reported none. */
export function toUsage(usage: ModelUsage): Usage | undefined {
  const input = usage.inputTokens.total;
  const output = usage.outputTokens.total;
  if (input === undefined && output === undefined) return undefined;
  const result: Usage = { inputTokens: input ?? 0, outputTokens: output ?? 0 };
  const raw = (usage.raw ?? {}) as Record<string, unknown>;
  // DeepSeek reports cache hits as `prompt_cache_hit_tokens` instead of `prompt_tokens_details`.
  const cacheRead = positive(usage.inputTokens.cacheRead) ?? positive(raw.prompt_cache_hit_tokens);
  if (cacheRead !== undefined) result.cacheReadTokens = cacheRead;
  const details = (raw.prompt_tokens_details ?? {}) as Record<string, unknown>;
  const cacheWrite =
    positive(usage.inputTokens.cacheWrite) ??
    positive(details.cache_write_tokens) ??
    positive(raw.cache_creation_input_tokens);
  if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
  return result;
}

/** Our finish reason: the model's unified reason, or the raw provider string when it has none. */
export function toFinishReason(unified: string, raw: string | undefined): FinishReason {
  if (unified === "other") return raw ?? "other";
  return unified;
}

/**
 * The `reasoning_effort` value sent for our effort. OpenAI-compatible servers accept
 * low/medium/high; `xhigh` and `max` have no common equivalent and are sent as `high`.
 */
export function toReasoningEffort(effort: ReasoningEffort): "low" | "medium" | "high" {
  return effort === "low" || effort === "medium" ? effort : "high";
}

function positive(value: unknown): number | undefined {
  return typeof value === "number" && value > 0 ? value : undefined;
}
