/** The `session-orchestrator` extension: provides `sessionOrchestratorService`. */

import { conversationStoreService } from "@dispatch/conversation-store";
import { credentialStoreService } from "@dispatch/credential-store";
import type { Extension } from "@dispatch/kernel";
import { KERNEL_API_VERSION } from "@dispatch/kernel";
import { type SessionOrchestrator, sessionOrchestratorService, warmService } from "./handles.ts";
import { createSessionOrchestrator, type OrchestratorOptions } from "./orchestrator.ts";
import { createWarmService } from "./warm.ts";

/** Options of the extension; see `OrchestratorOptions`. */
export type SessionOrchestratorExtensionOptions = OrchestratorOptions;

/** Creates the extension. Its `deactivate` gives running turns no grace; call `shutdown` first for that. */
export function createSessionOrchestratorExtension(options: SessionOrchestratorExtensionOptions): Extension {
  let orchestrator: SessionOrchestrator | undefined;
  return {
    manifest: {
      id: "session-orchestrator",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["conversation-store", "credential-store"],
      description: "Runs detached turns, one at a time per conversation, and fans their events out",
    },
    activate(host) {
      orchestrator = createSessionOrchestrator(host, options);
      host.provideService(sessionOrchestratorService, orchestrator);
      const live = orchestrator;
      host.provideService(
        warmService,
        createWarmService(
          {
            host,
            store: host.getService(conversationStoreService),
            credentials: host.getService(credentialStoreService),
            defaultCwd: options.defaultCwd,
          },
          (id) => live.isActive(id),
        ),
      );
    },
    async deactivate() {
      await orchestrator?.shutdown(0);
    },
  };
}
