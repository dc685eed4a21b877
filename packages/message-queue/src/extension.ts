/**
 * The `message-queue` extension: provides `messageQueueService` to clients and the orchestrator's
 * `steeringSourceService` port; at boot, conversations whose queue survived a restart get their
 * turn. Closing a conversation drops its queue (a closed tab must not come back to life at boot).
 */
import { type Extension, KERNEL_API_VERSION, storageService } from "@dispatch/kernel";
import {
  conversationClosed,
  sessionOrchestratorService,
  steeringSourceService,
} from "@dispatch/session-orchestrator";
import { createQueue, QUEUE_MIGRATIONS } from "./queue.ts";
import { messageQueueService } from "./types.ts";

/** How often boot delivery checks whether the host has finished activating. */
const BOOT_POLL_MS = 10;

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
      host.on(conversationClosed, ({ conversationId }) => void parts.steering.drain(conversationId));
      // Once every extension has activated (the system prompt, compaction, … take part in a
      // turn), deliver what a restart interrupted: each pending queue becomes a turn.
      const deliverPending = () => {
        if (host.extensions().some((s) => s.reason === "not activated yet" || s.reason === "activating")) {
          bootTimer = setTimeout(deliverPending, BOOT_POLL_MS);
          return;
        }
        for (const conversationId of parts.pendingConversations()) {
          if (orchestrator.isActive(conversationId)) continue;
          const messages = parts.queue.list(conversationId);
          if (messages.length === 0) continue;
          const outcome = orchestrator.startTurn({
            conversationId,
            message: messages.map((m) => m.text).join("\n\n"),
          });
          // Removed only once delivered: a refused start leaves them queued for the next boot.
          if (outcome.started) for (const m of messages) parts.queue.cancel(conversationId, m.id);
          else host.logger.warn("queued messages could not start a turn at boot", { conversationId });
        }
      };
      bootTimer = setTimeout(deliverPending, 0);
    },
    deactivate() {
      clearTimeout(bootTimer);
    },
  };
}
