/**
 * The event hub: per-conversation watchers, and the running turn's event buffer so a watcher that
 * arrives mid-turn gets a replay from `user-message` and then live events, with no gap and no
 * duplicate (replay and fan-out happen on the same synchronous path).
 */
import type { Logger } from "@dispatch/kernel";
import type { AgentEvent } from "@dispatch/wire";
import type { EventListener } from "./handles.ts";

export interface ConversationHub {
  /** Starts buffering a new turn's events (drops the previous turn's buffer). */
  beginTurn(conversationId: string): void;
  /** Drops the buffer once the turn settled; late watchers then read persisted history. */
  endTurn(conversationId: string): void;
  /** Buffers (while a turn runs) and fans the event out to every watcher. */
  publish(event: AgentEvent): void;
  subscribe(conversationId: string, listener: EventListener): () => void;
}

export function createConversationHub(logger: Logger): ConversationHub {
  const watchers = new Map<string, Set<EventListener>>();
  const buffers = new Map<string, AgentEvent[]>();

  return {
    beginTurn(conversationId) {
      buffers.set(conversationId, []);
    },
    endTurn(conversationId) {
      buffers.delete(conversationId);
    },
    publish(event) {
      buffers.get(event.conversationId)?.push(event);
      const set = watchers.get(event.conversationId);
      if (!set) return;
      for (const listener of set) deliver(listener, event);
    },
    subscribe(conversationId, listener) {
      let set = watchers.get(conversationId);
      if (!set) {
        set = new Set();
        watchers.set(conversationId, set);
      }
      set.add(listener);
      for (const event of buffers.get(conversationId) ?? []) deliver(listener, event);
      return () => {
        const current = watchers.get(conversationId);
        if (!current) return;
        current.delete(listener);
        if (current.size === 0) watchers.delete(conversationId);
      };
    },
  };

  function deliver(listener: EventListener, event: AgentEvent): void {
    try {
      listener(event);
    } catch (err) {
      logger.warn("event watcher threw; it keeps its subscription", { err, type: event.type });
    }
  }
}
