/**
 * The extension host: orders extensions at creation (host/order.ts), activates them one by one,
 * isolates failures (a throwing or hanging `activate` is rolled back and disables its dependents),
 * and deactivates in reverse. Extensions register through their own `HostApi` (host/host-api.ts).
 */
import { createBusCore } from "../bus/bus.ts";
import {
  type Extension,
  type Host,
  type HostApi,
  type HostOptions,
  KERNEL_API_VERSION,
} from "../contracts/extension.ts";
import type { Dispose } from "../contracts/hooks.ts";
import type { ErrorAttributes, Logger } from "../contracts/logging.ts";
import { errorMessage } from "../errors.ts";
import { createCancel, elapsed } from "./deadline.ts";
import { createHostApi, type HostApiParts } from "./host-api.ts";
import { resolveActivationOrder } from "./order.ts";
import { type ExtensionRecord, reasonOf, rollback, statusOf } from "./records.ts";
import { createRegistry } from "./registry.ts";

/** Everything the lifecycle functions share. */
interface HostState {
  readonly records: readonly ExtensionRecord[];
  readonly byId: ReadonlyMap<string, ExtensionRecord>;
  readonly logger: Logger;
  readonly activationTimeoutMs: number;
  /** The parts every `HostApi` shares. */
  readonly shared: Omit<HostApiParts, "extensionId" | "logger" | "closedReason" | "track">;
  phase: "booting" | "booted" | "stopped";
  activation?: Promise<void>;
  deactivation?: Promise<void>;
}

/** How long one `activate` may take by default. */
const DEFAULT_ACTIVATION_TIMEOUT_MS = 30_000;

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
  const extensions = new Map(options.extensions.map((extension) => [extension.manifest.id, extension]));
  const records = order.flatMap((id) => recordFor(extensions.get(id), logger));
  const status = () => records.map(statusOf);
  const shared = { now, sleep, core: createBusCore(logger), registry: createRegistry(), status };
  const state: HostState = {
    records,
    byId: new Map(records.map((record) => [record.extension.manifest.id, record])),
    logger,
    activationTimeoutMs: options.activationTimeoutMs ?? DEFAULT_ACTIVATION_TIMEOUT_MS,
    shared,
    phase: "booting",
  };
  const api = createHostApi({
    ...shared,
    extensionId: "host",
    logger: logger.child({ extensionId: "host" }),
    closedReason: (kind) =>
      state.phase === "booting" || kind === "listener" || kind === "filter"
        ? undefined
        : "host-level registration closes when activation finishes; register from an extension instead",
    track: (dispose) => dispose,
  });
  return {
    activate: () => {
      state.activation ??= activateAll(state);
      return state.activation;
    },
    deactivate: () => {
      state.deactivation ??= deactivateAll(state);
      return state.deactivation;
    },
    status,
    api,
  };
}

function recordFor(extension: Extension | undefined, logger: Logger): ExtensionRecord[] {
  if (extension === undefined) return [];
  const extensionId = extension.manifest.id;
  return [{ extension, state: "pending", logger: logger.child({ extensionId }), registrations: new Set() }];
}

async function activateAll(state: HostState): Promise<void> {
  for (const record of state.records) {
    if (state.phase === "stopped") break;
    await activateOne(state, record);
  }
  if (state.phase === "booting") state.phase = "booted";
  const active = state.records.filter((record) => record.state === "active").length;
  state.logger.info("extensions activated", { active, disabled: state.records.length - active });
}

async function activateOne(state: HostState, record: ExtensionRecord): Promise<void> {
  const { manifest } = record.extension;
  const blocker = (manifest.dependsOn ?? []).find((dep) => state.byId.get(dep)?.state !== "active");
  if (blocker !== undefined) return disable(record, `depends on ${blocker}, which is disabled`);
  if (manifest.apiVersion !== KERNEL_API_VERSION) {
    const reason = `apiVersion ${manifest.apiVersion} does not match the kernel API version ${KERNEL_API_VERSION}; rebuild it against this kernel`;
    return disable(record, reason, { code: "API_VERSION_MISMATCH" });
  }
  record.state = "activating";
  const started = state.shared.now();
  const outcome = await settleWithin(state, record, started);
  if (outcome.kind === "done") {
    record.state = "active";
    record.logger.debug("extension activated", { durationMs: state.shared.now() - started });
    return;
  }
  rollback(record);
  if (outcome.kind === "failed")
    return disable(record, `activate failed: ${errorMessage(outcome.err)}`, { err: outcome.err });
  disable(record, `activate did not finish within ${state.activationTimeoutMs} ms`);
}

type Outcome = { kind: "done" } | { kind: "failed"; err: unknown } | { kind: "timed-out" };

/** Runs `activate`, racing it against the activation timeout; a late settlement is only logged. */
async function settleWithin(state: HostState, record: ExtensionRecord, started: number): Promise<Outcome> {
  const activation = runActivate(record.extension, apiFor(state, record)).then(
    (): Outcome => ({ kind: "done" }),
    (err: unknown): Outcome => ({ kind: "failed", err }),
  );
  const cancel = createCancel();
  const deadline = elapsed(state.shared, state.activationTimeoutMs, started, cancel.signal).then(
    (fired): Promise<Outcome> | Outcome => (fired ? { kind: "timed-out" } : activation),
  );
  const outcome = await Promise.race([activation, deadline]);
  cancel.cancel();
  if (outcome.kind === "timed-out") {
    void activation.then((late) =>
      record.logger.warn("activate finished after its timeout; the extension stays disabled", {
        outcome: late.kind,
      }),
    );
  }
  return outcome;
}

async function runActivate(extension: Extension, api: HostApi): Promise<void> {
  await extension.activate(api);
}

/** The extension's own API: open while it activates or is active; registrations tracked for rollback. */
function apiFor(state: HostState, record: ExtensionRecord) {
  return createHostApi({
    ...state.shared,
    extensionId: record.extension.manifest.id,
    logger: record.logger,
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
}

function disable(record: ExtensionRecord, reason: string, attributes: ErrorAttributes = {}): void {
  record.state = "disabled";
  record.reason = reason;
  const level = attributes.err === undefined ? "warn" : "error";
  record.logger[level]("extension disabled", { ...attributes, reason });
}

async function deactivateAll(state: HostState): Promise<void> {
  state.phase = "stopped";
  await state.activation;
  for (const record of [...state.records].reverse()) {
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
}
