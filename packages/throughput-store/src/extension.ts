/**
 * The `throughput-store` extension: records the generation throughput of every sealed turn (from
 * the orchestrator's `turnSealing`, so the sample commits with the seal) and provides
 * `throughputService` for `GET /metrics/throughput`.
 */
import { type Dispose, type Extension, KERNEL_API_VERSION, storageService } from "@dispatch/kernel";
import { turnSealing } from "@dispatch/session-orchestrator";
import { createThroughputStore } from "./store.ts";
import { throughputService } from "./types.ts";

/** Creates the extension; it has no options (the database comes from `storage-sqlite`). */
export function createThroughputStoreExtension(): Extension {
  const disposers: Dispose[] = [];
  return {
    manifest: {
      id: "throughput-store",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["storage-sqlite"],
      description: "Tokens per second per model, from sealed turns, by day, week or month",
    },
    activate(host) {
      const store = createThroughputStore({ sql: host.getService(storageService).sql, now: host.now });
      disposers.push(
        // Synchronous, inside the seal's transaction: the sample is part of the seal's commit.
        host.on(turnSealing, function recordThroughput({ model, metrics }) {
          const genMs = metrics.steps.reduce((sum, step) => sum + (step.genTotalMs ?? 0), 0);
          store.record({ model, ts: host.now(), outputTokens: metrics.usage.outputTokens, genMs });
        }),
        host.provideService(throughputService, store),
      );
    },
    deactivate() {
      for (const dispose of disposers.splice(0)) dispose();
    },
  };
}
