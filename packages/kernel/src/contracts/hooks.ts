/**
 * Typed coupling anchors. The owning extension declares each handle once (id `owner/name`) and
 * exports the constant; every emitter, listener, filter and consumer imports the symbol, never the
 * string, so "find references" shows the whole blast radius.
 */

declare const payloadType: unique symbol;

/** Fire-and-forget notification to any number of listeners. */
export interface EventHandle<T> {
  readonly kind: "event";
  readonly id: string;
  readonly [payloadType]?: T;
}

/** Ordered value chain: each filter receives the previous filter's output. */
export interface FilterHandle<T> {
  readonly kind: "filter";
  readonly id: string;
  readonly [payloadType]?: T;
}

/** Single-provider request/response object. */
export interface ServiceHandle<T> {
  readonly kind: "service";
  readonly id: string;
  readonly [payloadType]?: T;
}

/** Declares an event. `id` is `owner/name`. */
export function defineEvent<T>(id: string): EventHandle<T> {
  return { kind: "event", id };
}

/** Declares a filter. `id` is `owner/name`. */
export function defineFilter<T>(id: string): FilterHandle<T> {
  return { kind: "filter", id };
}

/** Declares a service. `id` is `owner/name`. */
export function defineService<T>(id: string): ServiceHandle<T> {
  return { kind: "service", id };
}

/** Removes what a registration added. Contract: idempotent. */
export type Dispose = () => void;

/** The typed bus every extension talks through. */
export interface Bus {
  /** Listens to an event. Contract: handler errors (sync or async) are caught and logged, never propagated. */
  on<T>(event: EventHandle<T>, handler: (payload: T) => void | Promise<void>): Dispose;
  /** Notifies every listener in registration order; returns without awaiting async handlers. */
  emit<T>(event: EventHandle<T>, payload: T): void;
  /** Adds a filter; lower `priority` runs first (default 0), then registration order. */
  addFilter<T>(
    filter: FilterHandle<T>,
    fn: (value: T) => T | Promise<T>,
    options?: { priority?: number },
  ): Dispose;
  /**
   * Runs the chain. Contract: a throwing filter is logged and skipped (its input passes on) unless
   * `failClosed`, in which case the error propagates.
   */
  applyFilters<T>(filter: FilterHandle<T>, value: T, options?: { failClosed?: boolean }): Promise<T>;
  /** Provides a service. Throws `SERVICE_ALREADY_PROVIDED` if another extension already does. */
  provideService<T>(service: ServiceHandle<T>, implementation: T): Dispose;
  /** The service's implementation. Throws `SERVICE_MISSING` naming the handle when nobody provides it. */
  getService<T>(service: ServiceHandle<T>): T;
  /** The service's implementation, or `undefined` when absent (for features that degrade off). */
  tryGetService<T>(service: ServiceHandle<T>): T | undefined;
}
