/**
 * Bridges the kernel's structural `AbortSignalLike` to a real Web `AbortSignal`, so tools can hand
 * the turn's signal to `fetch`, combine it with a timeout, or race a promise against it.
 */
import type { AbortSignalLike } from "@dispatch/kernel";

/** A real `AbortSignal` that aborts when `signal` does (the same object if it already is one). */
export function toAbortSignal(signal: AbortSignalLike): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  const controller = new AbortController();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}

/** A signal that aborts when the turn does or after `timeoutMs`, whichever comes first. */
export function withTimeout(signal: AbortSignalLike, timeoutMs: number): AbortSignal {
  return AbortSignal.any([toAbortSignal(signal), AbortSignal.timeout(timeoutMs)]);
}

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts (the promise
 * keeps running; use this for work that takes no signal of its own).
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
