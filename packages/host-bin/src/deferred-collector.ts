/**
 * The supervised observability collector, started a little after the daemon listens: it is the
 * daemon's binary again, in another process, and its start would compete with the daemon's first
 * requests on a small machine. Records written meanwhile wait in the journal. `main.ts` wires it.
 */
import type { Logger } from "@dispatch/kernel";
import type { CollectorState, CollectorSupervisor } from "@dispatch/observability-collector/supervisor";

/** How long after `schedule` the collector is spawned by default. */
export const COLLECTOR_START_DELAY_MS = 250;

/** Options of `createDeferredCollector`. */
export interface DeferredCollectorOptions {
  /** The collector's argv (the supervisor appends `--parent <pid>`). */
  command: readonly string[];
  logger: Logger;
  /** Defaults to `COLLECTOR_START_DELAY_MS`. */
  delayMs?: number;
}

/** A collector that starts `delayMs` after `schedule`. Contract: no method throws. */
export interface DeferredCollector {
  /** Starts the timer; the supervisor module is loaded and the collector spawned when it fires. */
  schedule(): void;
  /** The supervisor's state; `stopped` until it started. */
  state(): CollectorState;
  /** Stops the collector after its final drain; one not started yet is started first, so a clean stop always drains the journal. */
  stop(): Promise<void>;
}

/** Creates the deferred collector; nothing runs until `schedule`. */
export function createDeferredCollector(options: DeferredCollectorOptions): DeferredCollector {
  let supervisor: CollectorSupervisor | undefined;
  let starting: Promise<CollectorSupervisor> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const start = (): Promise<CollectorSupervisor> => {
    starting ??= import("@dispatch/observability-collector/supervisor").then(
      ({ createCollectorSupervisor }) => {
        supervisor = createCollectorSupervisor({ command: options.command, logger: options.logger });
        supervisor.start();
        return supervisor;
      },
    );
    return starting;
  };
  return {
    schedule() {
      timer ??= setTimeout(() => void start(), options.delayMs ?? COLLECTOR_START_DELAY_MS);
    },
    state: () => supervisor?.state() ?? "stopped",
    async stop() {
      clearTimeout(timer);
      await (await start()).stop();
    },
  };
}
