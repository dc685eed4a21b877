/**
 * Reading token counts out of flat span attributes. Providers name them differently
 * (`usage.inputTokens`, `prompt_tokens`, `cached_tokens`…), so the last dotted segment is matched
 * case- and underscore-insensitively.
 */
import type { Attributes } from "@dispatch/kernel";

/** Token counts found on a span; absent counts are 0. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
}

const FIELDS: Record<string, keyof TokenCounts> = {
  inputtokens: "inputTokens",
  prompttokens: "inputTokens",
  outputtokens: "outputTokens",
  completiontokens: "outputTokens",
  cachereadtokens: "cacheReadTokens",
  cachedtokens: "cacheReadTokens",
};

/** Token counts in `attributes`, or `undefined` when there are none. */
export function tokenCounts(attributes: Attributes | undefined): TokenCounts | undefined {
  if (!attributes) return undefined;
  let found = false;
  const counts: TokenCounts = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0 };
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value !== "number") continue;
    const field = FIELDS[(name.split(".").at(-1) ?? name).replaceAll("_", "").toLowerCase()];
    if (!field) continue;
    counts[field] += value;
    found = true;
  }
  return found ? counts : undefined;
}

/** Adds `b` into `a`. */
export function addCounts(a: TokenCounts, b: TokenCounts): TokenCounts {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
  };
}

/** A span-close's name and attributes, as `turnTokens` reads them. */
export interface SpanTotals {
  name: string;
  attributes: Attributes | undefined;
}

/**
 * The turn's token counts: the sum over `provider.request` spans, else over `step` spans, else the
 * `turn` span's own attributes, so nothing is counted twice. `undefined` when none carries counts.
 */
export function turnTokens(closes: readonly SpanTotals[]): TokenCounts | undefined {
  for (const name of ["provider.request", "step", "turn"]) {
    let total: TokenCounts | undefined;
    for (const close of closes) {
      if (close.name !== name) continue;
      const counts = tokenCounts(close.attributes);
      if (counts) total = total ? addCounts(total, counts) : counts;
    }
    if (total) return total;
  }
  return undefined;
}
