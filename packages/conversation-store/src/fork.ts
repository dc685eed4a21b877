/**
 * `forkHistory`'s copy: the archive a compaction leaves behind is a new, closed conversation holding
 * every row of the source (chunks with the same seqs, messages, turns, metrics and settings), so
 * the pre-compaction history stays readable. Runs inside the caller's transaction.
 */
import type { SqlDatabase } from "@dispatch/kernel";

/** Copies one conversation's rows into a new one. */
export type CopyConversation = (sourceId: string, targetId: string, title: string) => void;

/** Prepares the copy statements. */
export function createConversationCopier(sql: SqlDatabase): CopyConversation {
  const meta = sql.prepare(
    `INSERT INTO conversations (id, title, status, workspace_id, created_at, last_activity_at,
       compacted_from, cwd, model, reasoning_effort, compact_percent, last_seq)
     SELECT ?, ?, 'closed', workspace_id, created_at, last_activity_at,
       compacted_from, cwd, model, reasoning_effort, compact_percent, last_seq
     FROM conversations WHERE id = ?`,
  );
  const messages = sql.prepare(
    `INSERT INTO messages (conversation_id, msg_index, role, turn_id)
     SELECT ?, msg_index, role, turn_id FROM messages WHERE conversation_id = ?`,
  );
  const chunks = sql.prepare(
    `INSERT INTO chunks (conversation_id, seq, msg_index, type, data)
     SELECT ?, seq, msg_index, type, data FROM chunks WHERE conversation_id = ?`,
  );
  // An archive never runs: a turn still running in the source (in-flight compaction) is copied as
  // interrupted, so boot recovery leaves the archive alone.
  const turns = sql.prepare(
    `INSERT INTO turns (conversation_id, id, started_at, ended_at, status, finish_reason)
     SELECT ?, id, started_at, ended_at, CASE status WHEN 'running' THEN 'interrupted' ELSE status END,
       finish_reason
     FROM turns WHERE conversation_id = ?`,
  );
  const metrics = sql.prepare(
    `INSERT INTO turn_metrics (conversation_id, turn_id, seq_order, data)
     SELECT ?, turn_id, seq_order, data FROM turn_metrics WHERE conversation_id = ?`,
  );

  return function copyConversation(sourceId, targetId, title) {
    meta.run(targetId, title, sourceId);
    messages.run(targetId, sourceId);
    chunks.run(targetId, sourceId);
    turns.run(targetId, sourceId);
    metrics.run(targetId, sourceId);
  };
}
