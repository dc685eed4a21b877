/**
 * Token and timing arithmetic for the turn loop: summing usage across steps (cache counters only
 * when some step reported them) and timing one model call (time to first content, decode, total).
 */
import type { Usage } from "@dispatch/wire";
import type { Attributes } from "../contracts/logging.ts";
import type { Now } from "../platform.ts";

/** Usage of a step that reported none. */
export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0 };

/** `a + b`, field by field; cache counters appear when either side has them. */
export function addUsage(a: Usage, b: Usage): Usage {
  const sum: Usage = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
  };
  if (a.cacheReadTokens !== undefined || b.cacheReadTokens !== undefined) {
    sum.cacheReadTokens = (a.cacheReadTokens ?? 0) + (b.cacheReadTokens ?? 0);
  }
  if (a.cacheWriteTokens !== undefined || b.cacheWriteTokens !== undefined) {
    sum.cacheWriteTokens = (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0);
  }
  return sum;
}

/** `usage` as flat span attributes. */
export function usageAttributes(usage: Usage): Attributes {
  const attributes: Attributes = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
  if (usage.cacheReadTokens !== undefined) attributes.cacheReadTokens = usage.cacheReadTokens;
  if (usage.cacheWriteTokens !== undefined) attributes.cacheWriteTokens = usage.cacheWriteTokens;
  return attributes;
}

/** The timing fields of `step-complete`; ttft and decode exist only when content arrived. */
export interface StepTiming {
  ttftMs?: number;
  decodeMs?: number;
  genTotalMs: number;
}

/** Times one model call from its request start (the moment of creation). */
export interface CallClock {
  /** Marks a content event; returns `true` for the first one. */
  content(): boolean;
  /** Marks the end of the stream and returns the timing. */
  end(): StepTiming;
}

/** A clock started now. */
export function startCallClock(now: Now): CallClock {
  const start = now();
  let first: number | undefined;
  let last: number | undefined;
  return {
    content: () => {
      const at = now();
      last = at;
      if (first !== undefined) return false;
      first = at;
      return true;
    },
    end: () => {
      const genTotalMs = now() - start;
      if (first === undefined || last === undefined) return { genTotalMs };
      return { ttftMs: first - start, decodeMs: last - first, genTotalMs };
    },
  };
}
