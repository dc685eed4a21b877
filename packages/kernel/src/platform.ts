/**
 * The few platform shapes the kernel needs, declared structurally so the kernel compiles with no
 * platform types at all. The host binary passes the real objects (Web `AbortSignal`, timers).
 */

/** The slice of the Web `AbortSignal` the kernel uses; a real `AbortSignal` satisfies it. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** Wall-clock milliseconds since the epoch. Contract: never throws. */
export type Now = () => number;

/**
 * Waits `ms` milliseconds. Contract: resolves early (never rejects) when `signal` aborts, so callers
 * check `signal.aborted` afterwards.
 */
export type Sleep = (ms: number, signal?: AbortSignalLike) => Promise<void>;

/** A fresh unique id (a UUID in production, a counter in tests). */
export type NewId = () => string;
