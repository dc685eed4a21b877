/**
 * The steering queue's contract: messages queued for a conversation while its turn runs are
 * injected at the next tool-result boundary (a `steering` event); what is left when the turn seals
 * starts the next turn. Enqueueing while idle starts a turn at once. Persisted across restarts.
 */
import { defineEvent, defineService } from "@dispatch/kernel";
import type { QueuedMessage } from "@dispatch/wire";

/** What `enqueue` did. */
export interface EnqueueOutcome {
  /** True when the conversation was idle and the message started a turn instead of queueing. */
  startedTurn: boolean;
  /** The queue after the call. */
  queue: QueuedMessage[];
}

export interface MessageQueue {
  /** Queues the text, or starts a turn with it when the conversation is idle; `error` when neither is possible. */
  enqueue(
    conversationId: string,
    text: string,
    options?: { workspaceId?: string },
  ): EnqueueOutcome | { error: string };
  /** Idempotent: cancelling an unknown or already delivered message is `cancelled: false`. */
  cancel(conversationId: string, messageId: string): { cancelled: boolean; queue: QueuedMessage[] };
  list(conversationId: string): QueuedMessage[];
}

/** Provided by the `message-queue` extension. */
export const messageQueueService = defineService<MessageQueue>("message-queue/queue");

/** The queue of a conversation changed (enqueue, cancel, delivery). */
export const queueChanged = defineEvent<{ conversationId: string; queue: QueuedMessage[] }>(
  "message-queue/changed",
);
