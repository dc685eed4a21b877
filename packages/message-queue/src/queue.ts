/**
 * The persisted steering queue. Messages wait in SQLite (so a restart keeps them), are drained by
 * the orchestrator at tool-result boundaries or carried into the next turn, and start a turn at
 * once when the conversation is idle.
 */
import type { HostApi, SqlDatabase } from "@dispatch/kernel";
import type { SessionOrchestrator, SteeringSource } from "@dispatch/session-orchestrator";
import type { QueuedMessage } from "@dispatch/wire";
import { type MessageQueue, queueChanged } from "./types.ts";

/** The queue's schema, owner `message-queue`. */
export const QUEUE_MIGRATIONS = [
  {
    version: 1,
    name: "queued messages",
    up: `CREATE TABLE queued_messages (
      id TEXT PRIMARY KEY,
      conversation_id TEXT NOT NULL,
      text TEXT NOT NULL,
      queued_at INTEGER NOT NULL,
      workspace_id TEXT
    );
    CREATE INDEX queued_messages_by_conversation ON queued_messages (conversation_id, queued_at);`,
  },
];

interface Row {
  id: string;
  text: string;
  queued_at: number;
}

/** The queue's two faces: the service clients use and the port the orchestrator drains. */
export interface QueueParts {
  queue: MessageQueue;
  steering: SteeringSource;
  /** Conversations that still have queued messages (for the restart at boot). */
  pendingConversations(): string[];
}

/** Creates the queue over `sql` (already migrated). */
export function createQueue(host: HostApi, sql: SqlDatabase, orchestrator: SessionOrchestrator): QueueParts {
  const listStmt = sql.prepare<Row>(
    "SELECT id, text, queued_at FROM queued_messages WHERE conversation_id = ? ORDER BY queued_at, rowid",
  );
  const insertStmt = sql.prepare(
    "INSERT INTO queued_messages (id, conversation_id, text, queued_at, workspace_id) VALUES (?, ?, ?, ?, ?)",
  );
  const deleteOne = sql.prepare("DELETE FROM queued_messages WHERE conversation_id = ? AND id = ?");
  const deleteAll = sql.prepare("DELETE FROM queued_messages WHERE conversation_id = ?");
  const hasAny = sql.prepare<{ one: number }>(
    "SELECT 1 AS one FROM queued_messages WHERE conversation_id = ? LIMIT 1",
  );
  const pending = sql.prepare<{ conversation_id: string }>(
    "SELECT DISTINCT conversation_id FROM queued_messages",
  );

  // Conversations that may have queued rows: every insert adds its conversation, a drain that
  // empties it removes it. This queue is the table's only writer, so a conversation not in the set
  // has nothing queued and `drain` answers without SQL (most tool-result boundaries and seals).
  const maybeQueued = new Set(pending.all().map((row) => row.conversation_id));

  const list = (conversationId: string): QueuedMessage[] =>
    listStmt.all(conversationId).map((row) => ({ id: row.id, text: row.text, queuedAt: row.queued_at }));

  const changed = (conversationId: string) =>
    host.emit(queueChanged, { conversationId, queue: list(conversationId) });

  const queue: MessageQueue = {
    enqueue(conversationId, text, options = {}) {
      if (!orchestrator.isActive(conversationId)) {
        const outcome = orchestrator.startTurn({
          conversationId,
          message: text,
          ...(options.workspaceId ? { workspaceId: options.workspaceId } : {}),
        });
        if (outcome.started) return { startedTurn: true, queue: list(conversationId) };
        if (outcome.reason !== "already-active") return { error: outcome.message };
      }
      maybeQueued.add(conversationId);
      insertStmt.run(crypto.randomUUID(), conversationId, text, host.now(), options.workspaceId ?? null);
      changed(conversationId);
      return { startedTurn: false, queue: list(conversationId) };
    },
    cancel(conversationId, messageId) {
      const { changes } = deleteOne.run(conversationId, messageId);
      if (changes > 0) changed(conversationId);
      return { cancelled: changes > 0, queue: list(conversationId) };
    },
    list,
  };

  const steering: SteeringSource = {
    drain(conversationId) {
      try {
        if (!maybeQueued.has(conversationId)) return [];
        // A read first: a queue emptied by `cancel` needs no write transaction.
        if (!hasAny.get(conversationId)) {
          maybeQueued.delete(conversationId);
          return [];
        }
        const messages = sql.transaction(() => {
          const rows = list(conversationId);
          if (rows.length > 0) deleteAll.run(conversationId);
          return rows;
        });
        maybeQueued.delete(conversationId);
        if (messages.length > 0) changed(conversationId);
        return messages;
      } catch (err) {
        host.logger.error("could not drain the steering queue", { err, conversationId });
        return [];
      }
    },
  };

  return { queue, steering, pendingConversations: () => pending.all().map((r) => r.conversation_id) };
}
