/**
 * Builds the `HostApi` one extension (or the composition root) receives: the shared bus seen as its
 * own, the registries, and the platform effects. Each registration is checked against a gate (is
 * this caller still allowed to register?) and tracked so the host can roll it back.
 */
import { type BusCore, scopeBus } from "../bus/bus.ts";
import type { ExtensionStatus, HostApi } from "../contracts/extension.ts";
import type { Dispose } from "../contracts/hooks.ts";
import type { Logger } from "../contracts/logging.ts";
import { KernelError } from "../errors.ts";
import type { Now, Sleep } from "../platform.ts";
import type { Registry } from "./registry.ts";

/** What can be registered through a `HostApi`. */
export type RegistrationKind = "tool" | "provider" | "service" | "listener" | "filter";

/** The pieces a `HostApi` is assembled from. */
export interface HostApiParts {
  extensionId: string;
  logger: Logger;
  now: Now;
  sleep: Sleep;
  core: BusCore;
  registry: Registry;
  status(): readonly ExtensionStatus[];
  /** Why registering a `kind` is refused right now, or `undefined` when it is allowed. */
  closedReason(kind: RegistrationKind): string | undefined;
  /** Records a registration for rollback; returns the `Dispose` handed to the caller. */
  track(dispose: Dispose): Dispose;
}

/** A `HostApi` whose registrations are gated by `parts.closedReason` and recorded by `parts.track`. */
export function createHostApi(parts: HostApiParts): HostApi {
  const { extensionId, registry, track } = parts;
  const bus = scopeBus(parts.core, extensionId);
  const assertOpen = (kind: RegistrationKind, name: string): void => {
    const reason = parts.closedReason(kind);
    if (reason === undefined) return;
    throw new KernelError(
      "REGISTRATION_CLOSED",
      `"${extensionId}" cannot register the ${kind} "${name}": ${reason}.`,
      { extensionId, kind, name },
    );
  };
  return {
    extensionId,
    logger: parts.logger,
    now: parts.now,
    sleep: parts.sleep,
    on: (event, handler) => {
      assertOpen("listener", event.id);
      return track(bus.on(event, handler));
    },
    emit: (event, payload) => bus.emit(event, payload),
    addFilter: (filter, fn, options) => {
      assertOpen("filter", filter.id);
      return track(bus.addFilter(filter, fn, options));
    },
    applyFilters: (filter, value, options) => bus.applyFilters(filter, value, options),
    provideService: (service, implementation) => {
      assertOpen("service", service.id);
      return track(bus.provideService(service, implementation));
    },
    getService: (service) => bus.getService(service),
    tryGetService: (service) => bus.tryGetService(service),
    registerTool: (tool) => {
      assertOpen("tool", tool.name);
      track(registry.addTool(tool, extensionId));
    },
    registerProvider: (provider) => {
      assertOpen("provider", provider.id);
      track(registry.addProvider(provider, extensionId));
    },
    tools: () => registry.tools(),
    tool: (name) => registry.tool(name),
    providers: () => registry.providers(),
    provider: (id) => registry.provider(id),
    extensions: () => parts.status(),
  };
}
