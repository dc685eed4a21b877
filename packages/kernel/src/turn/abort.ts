/**
 * Abort plumbing for the turn loop: a promise that settles when the turn's signal aborts, and a
 * stream reader that stops at once on abort even if the provider ignores the signal. Listeners are
 * always removed again, so a long-lived signal does not collect one per step.
 */
import type { AbortSignalLike } from "../platform.ts";

/** Resolves when the signal aborts (at once if it already has); `dispose` drops the listener. */
export interface AbortWatch {
  readonly aborted: Promise<void>;
  dispose(): void;
}

/** Watches `signal` until `dispose` is called. */
export function watchAbort(signal: AbortSignalLike): AbortWatch {
  let listener: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    listener = () => resolve();
    signal.addEventListener("abort", listener, { once: true });
  });
  return {
    aborted,
    dispose: () => {
      if (listener !== undefined) signal.removeEventListener("abort", listener);
    },
  };
}

/** How reading a stream ended: it ran out, the reader asked to stop, or the signal aborted. */
export type ReadEnd = "ended" | "stopped" | "aborted";

const ABORTED: unique symbol = Symbol("aborted");

/**
 * Feeds `events` to `onEvent` until the stream ends, `onEvent` returns `false`, or `signal` aborts.
 * Contract: rethrows what the stream throws; on stop or abort the iterator is closed without waiting.
 */
export async function readUntil<E>(
  events: AsyncIterable<E>,
  signal: AbortSignalLike,
  onEvent: (event: E) => boolean,
): Promise<ReadEnd> {
  const iterator = events[Symbol.asyncIterator]();
  const watch = watchAbort(signal);
  const aborted = watch.aborted.then((): typeof ABORTED => ABORTED);
  let ended = false;
  try {
    while (!signal.aborted) {
      const next = iterator.next();
      next.catch(() => undefined);
      const result = await Promise.race([next, aborted]);
      if (result === ABORTED) return "aborted";
      if (result.done === true) {
        ended = true;
        return "ended";
      }
      if (!onEvent(result.value)) return "stopped";
    }
    return "aborted";
  } finally {
    watch.dispose();
    if (!ended) closeQuietly(iterator);
  }
}

function closeQuietly(iterator: AsyncIterator<unknown>): void {
  try {
    iterator.return?.().catch(() => undefined);
  } catch {
    // A provider whose iterator cannot be closed is left to finish on its own.
  }
}
