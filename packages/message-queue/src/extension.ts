/**
 * The `message-queue` extension: provides `messageQueueService` to clients and the orchestrator's
 * `steeringSourceService` port; at boot, conversations whose queue survived a restart get their
 * turn.
 */
import { type Extension, KERNEL_API_VERSION, storageService } from "@dispatch/kernel";
import { sessionOrchestratorService, steeringSourceService } from "@dispatch/session-orchestrator";
import { createQueue, QUEUE_MIGRATIONS } from "./queue.ts";
import { messageQueueService } from "./types.ts";

/** Creates the extension. */
export function createMessageQueueExtension(): Extension {
  let bootTimer: ReturnType<typeof setTimeout> | undefined;
  return {
    manifest: {
      id: "message-queue",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["storage-sqlite", "session-orchestrator"],
      description: "Steering queue: messages for a running turn, persisted across restarts",
    },
    activate(host) {
      const { sql } = host.getService(storageService);
      sql.migrate("message-queue", QUEUE_MIGRATIONS);
      const orchestrator = host.getService(sessionOrchestratorService);
      const parts = createQueue(host, sql, orchestrator);
      host.provideService(messageQueueService, parts.queue);
      host.provideService(steeringSourceService, parts.steering);
      // After boot, deliver what a restart interrupted: each pending queue becomes a turn.
      bootTimer = setTimeout(() => {
        for (const conversationId of parts.pendingConversations()) {
          if (orchestrator.isActive(conversationId)) continue;
          const messages = parts.steering.drain(conversationId);
          if (messages.length === 0) continue;
          const outcome = orchestrator.startTurn({
            conversationId,
            message: messages.map((m) => m.text).join("\n\n"),
          });
          if (!outcome.started)
            host.logger.warn("queued messages could not start a turn at boot", { conversationId });
        }
      }, 0);
    },
    deactivate() {
      clearTimeout(bootTimer);
    },
  };
}
