/**
 * The default retry schedule for model calls that failed before producing any content: a few quick
 * attempts, then give up with the provider's error. Bounded on purpose (the reference retried for
 * up to 8 hours, leaving turns "active" for hours).
 */
import type { RetryPolicy } from "@dispatch/kernel";

/** Delays before retries 0..n-1, in milliseconds. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1000, 2000, 5000, 10_000, 30_000];

/** A policy retrying after each delay in turn, then giving up. */
export function createRetryPolicy(delaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS): RetryPolicy {
  return {
    delayFor(attempt) {
      return delaysMs[attempt];
    },
  };
}
