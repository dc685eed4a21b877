/**
 * The global broadcasts: conversation lifecycle events from the orchestrator and compaction,
 * relayed to every authenticated client so tabs open, close and reload across devices.
 */
import { conversationCompacted } from "@dispatch/compaction";
import type { Bus, Dispose } from "@dispatch/kernel";
import { conversationOpened, conversationStatusChanged } from "@dispatch/session-orchestrator";
import type { WsChatServerMessage } from "@dispatch/transport-contract";

/** Listens on `bus` and hands each broadcast to `send`; returns the disposer of the listeners. */
export function relayBroadcasts(bus: Pick<Bus, "on">, send: (message: WsChatServerMessage) => void): Dispose {
  const disposers = [
    bus.on(conversationOpened, ({ conversationId, workspaceId }) => {
      send({ type: "conversation.open", conversationId, workspaceId });
    }),
    bus.on(conversationStatusChanged, ({ conversationId, status, workspaceId }) => {
      send({ type: "conversation.statusChanged", conversationId, status, workspaceId });
    }),
    bus.on(
      conversationCompacted,
      ({ conversationId, newConversationId, messagesSummarized, messagesKept }) => {
        send({
          type: "conversation.compacted",
          conversationId,
          newConversationId,
          messagesSummarized,
          messagesKept,
        });
      },
    ),
  ];
  return () => {
    for (const dispose of disposers) dispose();
  };
}
