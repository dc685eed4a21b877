/**
 * The typed bus: one registry and one short runner per hook kind (event, filter, service). The host
 * shares one `BusCore` and gives each extension a view (`scopeBus`) that records who registered a
 * handler, so a failing handler is logged with its hook id and its extension id.
 */

import type { Bus, Dispose, EventHandle, FilterHandle, ServiceHandle } from "../contracts/hooks.ts";
import type { Logger } from "../contracts/logging.ts";
import { KernelError } from "../errors.ts";
import { guardLogger } from "../logging/guard.ts";

/** The bus with the registering extension passed explicitly; the host's shared instance. */
export interface BusCore {
  on<T>(
    owner: string | undefined,
    event: EventHandle<T>,
    handler: (payload: T) => void | Promise<void>,
  ): Dispose;
  emit<T>(event: EventHandle<T>, payload: T): void;
  addFilter<T>(
    owner: string | undefined,
    filter: FilterHandle<T>,
    fn: (value: T) => T | Promise<T>,
    options?: { priority?: number },
  ): Dispose;
  applyFilters<T>(filter: FilterHandle<T>, value: T, options?: { failClosed?: boolean }): Promise<T>;
  provideService<T>(owner: string | undefined, service: ServiceHandle<T>, implementation: T): Dispose;
  getService<T>(service: ServiceHandle<T>): T;
  tryGetService<T>(service: ServiceHandle<T>): T | undefined;
}

interface Listener {
  owner?: string;
  handler: (payload: unknown) => unknown;
}
interface FilterEntry {
  owner?: string;
  fn: (value: unknown) => unknown;
  priority: number;
}
interface ServiceEntry {
  owner?: string;
  implementation: unknown;
}

/** A standalone bus (no extension attribution); hosts use `createBusCore` + `scopeBus` instead. */
export function createBus(logger: Logger): Bus {
  return scopeBus(createBusCore(logger), undefined);
}

/** The shared registries and runners. Lists are copy-on-write, so a run never sees a change mid-way. */
export function createBusCore(logger: Logger): BusCore {
  const log = guardLogger(logger);
  const listeners = new Map<string, readonly Listener[]>();
  const filters = new Map<string, readonly FilterEntry[]>();
  const services = new Map<string, ServiceEntry>();
  return {
    on: (owner, event, handler) => {
      const entry: Listener = { owner, handler: handler as Listener["handler"] };
      listeners.set(event.id, [...(listeners.get(event.id) ?? []), entry]);
      return disposeOnce(() => remove(listeners, event.id, entry));
    },
    emit: (event, payload) => runEvent(log, event.id, listeners.get(event.id) ?? [], payload),
    addFilter: (owner, filter, fn, options) => {
      const entry: FilterEntry = { owner, fn: fn as FilterEntry["fn"], priority: options?.priority ?? 0 };
      const chain = filters.get(filter.id) ?? [];
      const at = chain.findIndex((other) => other.priority > entry.priority);
      filters.set(filter.id, at < 0 ? [...chain, entry] : [...chain.slice(0, at), entry, ...chain.slice(at)]);
      return disposeOnce(() => remove(filters, filter.id, entry));
    },
    applyFilters: async (filter, value, options) =>
      (await runFilters(
        log,
        filter.id,
        filters.get(filter.id) ?? [],
        value,
        options?.failClosed === true,
      )) as typeof value,
    provideService: (owner, service, implementation) => {
      const existing = services.get(service.id);
      if (existing !== undefined) throw alreadyProvided(service.id, existing.owner, owner);
      const entry: ServiceEntry = { owner, implementation };
      services.set(service.id, entry);
      return disposeOnce(() => {
        if (services.get(service.id) === entry) services.delete(service.id);
      });
    },
    getService: <T>(service: ServiceHandle<T>) => resolveService(services, service.id, true) as T,
    tryGetService: <T>(service: ServiceHandle<T>) =>
      resolveService(services, service.id, false) as T | undefined,
  };
}

/** `core` seen as a plain `Bus` whose registrations are attributed to `owner`. */
export function scopeBus(core: BusCore, owner: string | undefined): Bus {
  return {
    on: (event, handler) => core.on(owner, event, handler),
    emit: (event, payload) => core.emit(event, payload),
    addFilter: (filter, fn, options) => core.addFilter(owner, filter, fn, options),
    applyFilters: (filter, value, options) => core.applyFilters(filter, value, options),
    provideService: (service, implementation) => core.provideService(owner, service, implementation),
    getService: (service) => core.getService(service),
    tryGetService: (service) => core.tryGetService(service),
  };
}

// Event rule: every listener in registration order, each error-isolated (sync or async); results ignored.
function runEvent(log: Logger, hookId: string, list: readonly Listener[], payload: unknown): void {
  for (const listener of list) {
    const report = (err: unknown) =>
      log.error("event listener failed", { err, hookId, ...ownerAttribute(listener.owner) });
    try {
      const result = listener.handler(payload);
      if (isPromiseLike(result)) result.then(undefined, report);
    } catch (err) {
      report(err);
    }
  }
}

// Filter rule: priority ascending then registration order, awaited in turn; a throw is skipped unless fail-closed.
async function runFilters(
  log: Logger,
  hookId: string,
  chain: readonly FilterEntry[],
  value: unknown,
  failClosed: boolean,
): Promise<unknown> {
  let current = value;
  for (const entry of chain) {
    try {
      current = await entry.fn(current);
    } catch (err) {
      if (failClosed) throw err;
      log.warn("filter failed; its input passes on", { err, hookId, ...ownerAttribute(entry.owner) });
    }
  }
  return current;
}

// Service rule: exactly one provider; a required lookup of a missing service throws SERVICE_MISSING.
function resolveService(services: Map<string, ServiceEntry>, id: string, required: boolean): unknown {
  const entry = services.get(id);
  if (entry !== undefined) return entry.implementation;
  if (!required) return undefined;
  const owner = id.split("/")[0] ?? id;
  throw new KernelError(
    "SERVICE_MISSING",
    `Service "${id}" (declared by "${owner}") has no provider: the extension that should provide it is ` +
      "missing from the host's extension list or disabled (see the host status). Add or fix that extension, " +
      "or use tryGetService to degrade off.",
    { serviceId: id },
  );
}

function alreadyProvided(id: string, existing: string | undefined, next: string | undefined): KernelError {
  return new KernelError(
    "SERVICE_ALREADY_PROVIDED",
    `Service "${id}" is already provided by ${describeOwner(existing)}; ${describeOwner(next)} cannot ` +
      "provide it too. Exactly one extension may provide a service: remove one of them.",
    { serviceId: id, providedBy: existing ?? null, rejected: next ?? null },
  );
}

function describeOwner(owner: string | undefined): string {
  return owner === undefined ? "an unnamed owner" : `"${owner}"`;
}

function ownerAttribute(owner: string | undefined): { handlerExtensionId?: string } {
  return owner === undefined ? {} : { handlerExtensionId: owner };
}

function remove<E>(map: Map<string, readonly E[]>, id: string, entry: E): void {
  const rest = (map.get(id) ?? []).filter((other) => other !== entry);
  if (rest.length > 0) map.set(id, rest);
  else map.delete(id);
}

function disposeOnce(fn: () => void): Dispose {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}
