/**
 * The extension host: orders extensions at creation (host/order.ts), activates them one by one,
 * isolates failures (a throwing `activate` is rolled back and disables its dependents), and
 * deactivates in reverse. Extensions register through their own `HostApi` (host/host-api.ts).
 */
import { createBusCore } from "../bus/bus.ts";
import {
  type Extension,
  type ExtensionStatus,
  type Host,
  type HostOptions,
  KERNEL_API_VERSION,
} from "../contracts/extension.ts";
import type { Dispose } from "../contracts/hooks.ts";
import type { ErrorAttributes, Logger } from "../contracts/logging.ts";
import { errorMessage } from "../errors.ts";
import { createHostApi, type HostApiParts, type RegistrationKind } from "./host-api.ts";
import { resolveActivationOrder } from "./order.ts";
import { createRegistry } from "./registry.ts";

interface ExtensionRecord {
  extension: Extension;
  state: "pending" | "activating" | "active" | "disabled";
  reason?: string;
  logger: Logger;
  /** Everything the extension registered and has not disposed, for rollback. */
  registrations: Set<Dispose>;
}

/**
 * A host over `options.extensions`. Throws `KernelError` (`DUPLICATE_EXTENSION`,
 * `MISSING_DEPENDENCY`, `DEPENDENCY_CYCLE`) when the dependency graph is bad.
 *
 * Registration policy: an extension may register through its own `HostApi` while it activates and
 * for as long as it stays active (e.g. tools discovered at runtime); a disabled or deactivated
 * extension's API refuses with `REGISTRATION_CLOSED`. The host-level `api` may register tools,
 * providers and services only until activation finishes; it may add listeners and filters anytime.
 */
export function createHost(options: HostOptions): Host {
  const { logger, now, sleep } = options;
  const order = resolveActivationOrder(options.extensions.map((extension) => extension.manifest));
  const byId = new Map(options.extensions.map((extension) => [extension.manifest.id, extension]));
  const records: ExtensionRecord[] = order.flatMap((id) => {
    const extension = byId.get(id);
    if (extension === undefined) return [];
    return [
      { extension, state: "pending", logger: logger.child({ extensionId: id }), registrations: new Set() },
    ];
  });
  const recordById = new Map(records.map((record) => [record.extension.manifest.id, record]));
  const core = createBusCore(logger);
  const registry = createRegistry();
  const status = () => records.map(statusOf);
  let phase: "booting" | "booted" | "stopped" = "booting";
  let activation: Promise<void> | undefined;
  let deactivation: Promise<void> | undefined;

  const parts = (extensionId: string, apiLogger: Logger): Omit<HostApiParts, "closedReason" | "track"> => ({
    extensionId,
    logger: apiLogger,
    now,
    sleep,
    core,
    registry,
    status,
  });

  const api = createHostApi({
    ...parts("host", logger.child({ extensionId: "host" })),
    closedReason: (kind: RegistrationKind) =>
      phase === "booting" || kind === "listener" || kind === "filter"
        ? undefined
        : "host-level registration closes when activation finishes; register from an extension instead",
    track: (dispose) => dispose,
  });

  const apiFor = (record: ExtensionRecord) =>
    createHostApi({
      ...parts(record.extension.manifest.id, record.logger),
      closedReason: () =>
        record.state === "activating" || record.state === "active"
          ? undefined
          : `the extension is disabled (${reasonOf(record)})`,
      track: (dispose) => {
        const tracked: Dispose = () => {
          record.registrations.delete(tracked);
          dispose();
        };
        record.registrations.add(tracked);
        return tracked;
      },
    });

  const disable = (record: ExtensionRecord, reason: string, attributes: ErrorAttributes = {}) => {
    record.state = "disabled";
    record.reason = reason;
    const level = attributes.err === undefined ? "warn" : "error";
    record.logger[level]("extension disabled", { ...attributes, reason });
  };

  const activateOne = async (record: ExtensionRecord): Promise<void> => {
    const { manifest } = record.extension;
    const blocker = (manifest.dependsOn ?? []).find((dep) => recordById.get(dep)?.state !== "active");
    if (blocker !== undefined) return disable(record, `depends on ${blocker}, which is disabled`);
    if (manifest.apiVersion !== KERNEL_API_VERSION) {
      const reason = `apiVersion ${manifest.apiVersion} does not match the kernel API version ${KERNEL_API_VERSION}; rebuild it against this kernel`;
      return disable(record, reason, { code: "API_VERSION_MISMATCH" });
    }
    record.state = "activating";
    const started = now();
    try {
      await record.extension.activate(apiFor(record));
      record.state = "active";
      record.logger.debug("extension activated", { durationMs: now() - started });
    } catch (err) {
      rollback(record);
      disable(record, `activate failed: ${errorMessage(err)}`, { err });
    }
  };

  const activateAll = async (): Promise<void> => {
    for (const record of records) {
      if (phase === "stopped") break;
      await activateOne(record);
    }
    if (phase === "booting") phase = "booted";
    const active = records.filter((record) => record.state === "active").length;
    logger.info("extensions activated", { active, disabled: records.length - active });
  };

  const deactivateAll = async (): Promise<void> => {
    phase = "stopped";
    await activation;
    for (const record of [...records].reverse()) {
      if (record.state !== "active") continue;
      try {
        await record.extension.deactivate?.();
      } catch (err) {
        record.logger.error("deactivate failed", { err });
      }
      rollback(record);
      record.state = "disabled";
      record.reason = "deactivated";
    }
  };

  return {
    activate: () => {
      activation ??= activateAll();
      return activation;
    },
    deactivate: () => {
      deactivation ??= deactivateAll();
      return deactivation;
    },
    status,
    api,
  };
}

function rollback(record: ExtensionRecord): void {
  for (const dispose of [...record.registrations].reverse()) dispose();
  record.registrations.clear();
}

function reasonOf(record: ExtensionRecord): string | undefined {
  if (record.state === "pending") return "not activated yet";
  if (record.state === "activating") return "activating";
  return record.reason;
}

function statusOf(record: ExtensionRecord): ExtensionStatus {
  const { id, version, description } = record.extension.manifest;
  const reason = reasonOf(record);
  return {
    id,
    version,
    ...(description === undefined ? {} : { description }),
    state: record.state === "active" ? "active" : "disabled",
    ...(reason === undefined ? {} : { reason }),
  };
}
