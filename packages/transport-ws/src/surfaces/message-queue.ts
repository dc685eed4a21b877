/**
 * The message-queue surface (`message-queue`, per conversation): one `custom` field, rendererId
 * `"message-queue"`, payload `QueuePayload` (the queue as it stands). Read-only: clients cancel with
 * `chat.queue.cancel`. Registered by its own extension, which depends on `message-queue`, so the
 * surface exists exactly when the queue does; every `queueChanged` pushes an update.
 */
import { type Dispose, type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { messageQueueService, queueChanged } from "@dispatch/message-queue";
import { SurfaceError, surfaceRegistryService } from "@dispatch/surface-registry";
import type { SurfaceCatalogEntry, SurfaceSpec } from "@dispatch/ui-contract";
import type { QueuedMessage, QueuePayload } from "@dispatch/wire";

/** The surface's catalog entry. */
export const MESSAGE_QUEUE_ENTRY: SurfaceCatalogEntry = {
  id: "message-queue",
  region: "side",
  title: "Message Queue",
  scope: "conversation",
};

/** The spec for a queue (empty when no conversation is named). */
export function buildMessageQueueSpec(messages: readonly QueuedMessage[]): SurfaceSpec {
  const payload: QueuePayload = { messages: [...messages] };
  const { id, region, title } = MESSAGE_QUEUE_ENTRY;
  return { id, region, title, fields: [{ kind: "custom", rendererId: "message-queue", payload }] };
}

/** Creates the extension that registers the surface. */
export function createMessageQueueSurfaceExtension(): Extension {
  let unregister: Dispose | undefined;
  return {
    manifest: {
      id: "surface-message-queue",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["surface-registry", "message-queue"],
      description: "Message Queue surface: the steering messages waiting per conversation",
    },
    activate(host) {
      const queue = host.getService(messageQueueService);
      unregister = host.getService(surfaceRegistryService).register({
        catalogEntry: MESSAGE_QUEUE_ENTRY,
        getSpec: (context) => buildMessageQueueSpec(context ? queue.list(context.conversationId) : []),
        invoke(actionId) {
          throw new SurfaceError(
            "UNKNOWN_ACTION",
            MESSAGE_QUEUE_ENTRY.id,
            `the message queue surface has no action "${actionId}": cancel a message with chat.queue.cancel`,
          );
        },
        subscribe: (onChange) => host.on(queueChanged, ({ conversationId }) => onChange({ conversationId })),
      });
    },
    deactivate() {
      unregister?.();
      unregister = undefined;
    },
  };
}
