/**
 * Bounds an extension's `activate` in time with the injected `Sleep` and `Now` (the kernel has no
 * timers): `host.ts` races the activation against `elapsed` and cancels the wait once it settles.
 */
import type { AbortSignalLike, Now, Sleep } from "../platform.ts";

/** A signal the kernel can abort itself (there is no `AbortController` in the kernel's lib). */
export interface Cancel {
  readonly signal: AbortSignalLike;
  cancel(): void;
}

/** A fresh, not yet aborted `Cancel`. */
export function createCancel(): Cancel {
  const listeners = new Set<() => void>();
  const state = { aborted: false };
  const signal: AbortSignalLike = {
    get aborted() {
      return state.aborted;
    },
    addEventListener: (_type, listener) => void listeners.add(listener),
    removeEventListener: (_type, listener) => void listeners.delete(listener),
  };
  return {
    signal,
    cancel: () => {
      if (state.aborted) return;
      state.aborted = true;
      for (const listener of [...listeners]) listener();
      listeners.clear();
    },
  };
}

/**
 * Resolves `true` once `ms` have passed on the clock since `started`, sleeping as needed; resolves
 * `false` when `signal` aborts first or when a sleep returns without the clock moving (a fake clock
 * or sleep, or a sleep that throws: the deadline cannot be measured, so it never fires).
 * Contract: never rejects.
 */
export async function elapsed(
  clock: { now: Now; sleep: Sleep },
  ms: number,
  started: number,
  signal: AbortSignalLike,
): Promise<boolean> {
  let before = clock.now();
  for (;;) {
    const remaining = started + ms - before;
    if (remaining <= 0) return true;
    try {
      await clock.sleep(remaining, signal);
    } catch {
      return false;
    }
    if (signal.aborted) return false;
    const after = clock.now();
    if (after <= before) return false;
    before = after;
  }
}
