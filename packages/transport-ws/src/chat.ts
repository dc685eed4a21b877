/**
 * Chat operations of the socket. `chat.send` subscribes the sender first, then starts a detached
 * turn under the client's conversation id; `chat.subscribe` replays the running turn from
 * `user-message` and streams live; closing or unsubscribing never stops a turn. Each `chat.delta`
 * carries `index`, the event's 0-based position in its turn, so clients can drop duplicates and see
 * gaps: the hub replays synchronously on subscribe, so counting per turn gives every watcher,
 * early or late, the same numbers.
 */
import { errorMessage, type Logger } from "@dispatch/kernel";
import type { MessageQueue } from "@dispatch/message-queue";
import type { SessionOrchestrator } from "@dispatch/session-orchestrator";
import type { WsChatClientMessage } from "@dispatch/transport-contract";
import type { AgentEvent } from "@dispatch/wire";
import type { Connection } from "./connection.ts";

/** What the chat handler needs. */
export interface ChatHandlerOptions {
  orchestrator: SessionOrchestrator;
  /** The steering queue. Contract: resolved at each call; `undefined` when its extension is absent. */
  queue(): MessageQueue | undefined;
  /** Contract: a fresh id each call, valid as a conversation id (a UUID). */
  newConversationId(): string;
  logger: Logger;
}

/** The chat message with the given `type`. */
type ChatMessage<T extends WsChatClientMessage["type"]> = Extract<WsChatClientMessage, { type: T }>;

/** Handles one validated chat message. */
export type ChatHandler = (connection: Connection, message: WsChatClientMessage) => void;

const QUEUE_MISSING =
  "the message queue is not available: the server runs without the message-queue extension";

/** Creates the handler. */
export function createChatHandler(options: ChatHandlerOptions): ChatHandler {
  const { orchestrator, logger } = options;
  const serialize = createDeltaSerializer();

  function watch(connection: Connection, conversationId: string): void {
    if (connection.closed || connection.chats.has(conversationId)) return;
    let turnId: string | undefined;
    let next = 0;
    const dispose = orchestrator.subscribe(conversationId, (event) => {
      let index: number | undefined;
      if (event.type !== "status") {
        if (event.turnId !== turnId) {
          turnId = event.turnId;
          next = 0;
        }
        index = next++;
      }
      connection.sendText(serialize(event, index));
    });
    // The replay may already have cut a slow client; then its close handler found nothing to dispose.
    if (connection.closed) dispose();
    else connection.chats.set(conversationId, dispose);
  }

  function unwatch(connection: Connection, conversationId: string): void {
    connection.chats.get(conversationId)?.();
    connection.chats.delete(conversationId);
  }

  function chatError(connection: Connection, conversationId: string | undefined, message: string): void {
    connection.send({
      type: "chat.error",
      message,
      ...(conversationId === undefined ? {} : { conversationId }),
    });
  }

  function send(connection: Connection, message: ChatMessage<"chat.send">): void {
    const { conversationId: given, message: text, ...settings } = toRequest(message);
    const conversationId = given ?? options.newConversationId();
    watch(connection, conversationId);
    const outcome = orchestrator.startTurn({ ...settings, conversationId, message: text });
    if (!outcome.started) chatError(connection, conversationId, outcome.message);
  }

  function enqueue(connection: Connection, queue: MessageQueue, message: ChatMessage<"chat.queue">): void {
    const { conversationId } = message;
    // Watch first: a turn the message starts may end before `enqueue` returns (an unknown model).
    const wasWatching = connection.chats.has(conversationId);
    watch(connection, conversationId);
    let startedTurn = false;
    try {
      const workspace = message.workspaceId === undefined ? undefined : { workspaceId: message.workspaceId };
      const outcome = queue.enqueue(conversationId, message.text, workspace);
      if ("error" in outcome) chatError(connection, conversationId, outcome.error);
      else startedTurn = outcome.startedTurn;
    } catch (err) {
      logger.warn("enqueueing a message failed", { err, conversationId });
      chatError(connection, conversationId, `could not queue the message: ${errorMessage(err)}`);
    }
    if (!wasWatching && !startedTurn) unwatch(connection, conversationId);
  }

  function cancel(
    connection: Connection,
    queue: MessageQueue,
    message: ChatMessage<"chat.queue.cancel">,
  ): void {
    try {
      queue.cancel(message.conversationId, message.messageId);
    } catch (err) {
      logger.warn("cancelling a queued message failed", { err, conversationId: message.conversationId });
      chatError(connection, message.conversationId, `could not cancel the message: ${errorMessage(err)}`);
    }
  }

  return function handleChat(connection, message) {
    if (message.type === "chat.send") send(connection, message);
    else if (message.type === "chat.subscribe") watch(connection, message.conversationId);
    else if (message.type === "chat.unsubscribe") unwatch(connection, message.conversationId);
    else {
      const queue = options.queue();
      if (!queue) chatError(connection, message.conversationId, QUEUE_MISSING);
      else if (message.type === "chat.queue") enqueue(connection, queue, message);
      else cancel(connection, queue, message);
    }
  };
}

/** The turn request of a `chat.send`: the frame without its `type`. */
function toRequest(message: ChatMessage<"chat.send">): Omit<ChatMessage<"chat.send">, "type"> {
  const { conversationId, message: text, model, cwd, reasoningEffort, workspaceId, images } = message;
  return { conversationId, message: text, model, cwd, reasoningEffort, workspaceId, images };
}

/** Serializes `chat.delta`s, reusing the text while the hub fans one event out to many watchers. */
function createDeltaSerializer(): (event: AgentEvent, index: number | undefined) => string {
  let lastEvent: AgentEvent | undefined;
  let lastIndex: number | undefined;
  let lastText = "";
  return (event, index) => {
    if (event !== lastEvent || index !== lastIndex) {
      lastEvent = event;
      lastIndex = index;
      lastText = JSON.stringify(
        index === undefined ? { type: "chat.delta", event } : { type: "chat.delta", event, index },
      );
    }
    return lastText;
  };
}
