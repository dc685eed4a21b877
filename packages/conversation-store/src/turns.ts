/**
 * The `turns` and `turn_metrics` tables: a turn is recorded as running when it starts and sealed,
 * with its metrics, when it ends; boot recovery marks the ones still running as interrupted. Turns
 * are keyed per conversation, because an archive (`forkHistory`) holds its source's turn ids.
 */
import type { SqlDatabase } from "@dispatch/kernel";
import type { TurnMetrics } from "@dispatch/wire";

/** Turn operations over one database; writes that span rows run inside the caller's transaction. */
export interface TurnTable {
  begin(conversationId: string, turnId: string): void;
  seal(conversationId: string, metrics: TurnMetrics, finishReason: string): void;
  metrics(conversationId: string): TurnMetrics[];
  /** Conversations with a running turn or a persisted `active`/`queued` status. */
  interruptedConversations(): string[];
  /** Marks the conversation's running turns interrupted; returns how many. */
  interrupt(conversationId: string): number;
}

/** Prepares the turn statements; `now` stamps start and end times. */
export function createTurnTable(sql: SqlDatabase, now: () => number): TurnTable {
  const begin = sql.prepare(
    `INSERT INTO turns (id, conversation_id, started_at, status) VALUES (?, ?, ?, 'running')
     ON CONFLICT (conversation_id, id) DO NOTHING`,
  );
  const seal = sql.prepare(
    `INSERT INTO turns (id, conversation_id, started_at, ended_at, status, finish_reason)
     VALUES (?, ?, ?, ?, 'sealed', ?)
     ON CONFLICT (conversation_id, id) DO UPDATE SET ended_at = excluded.ended_at, status = 'sealed', finish_reason = excluded.finish_reason`,
  );
  const saveMetrics = sql.prepare(
    `INSERT INTO turn_metrics (turn_id, conversation_id, seq_order, data)
     VALUES (?, ?, (SELECT COALESCE(MAX(seq_order), 0) + 1 FROM turn_metrics WHERE conversation_id = ?), ?)
     ON CONFLICT (conversation_id, turn_id) DO UPDATE SET data = excluded.data`,
  );
  const loadMetrics = sql.prepare<{ data: string }>(
    "SELECT data FROM turn_metrics WHERE conversation_id = ? ORDER BY seq_order",
  );
  const candidates = sql.prepare<{ id: string }>(
    `SELECT conversation_id AS id FROM turns WHERE status = 'running'
     UNION SELECT id FROM conversations WHERE status IN ('active', 'queued')`,
  );
  const interrupt = sql.prepare(
    "UPDATE turns SET status = 'interrupted', ended_at = ? WHERE conversation_id = ? AND status = 'running'",
  );

  return {
    begin(conversationId, turnId) {
      begin.run(turnId, conversationId, now());
    },
    seal(conversationId, metrics, finishReason) {
      const end = now();
      const start = end - Math.max(0, metrics.durationMs ?? 0);
      seal.run(metrics.turnId, conversationId, start, end, finishReason);
      saveMetrics.run(metrics.turnId, conversationId, conversationId, JSON.stringify(metrics));
    },
    metrics: (conversationId) =>
      loadMetrics.all(conversationId).map((row) => JSON.parse(row.data) as TurnMetrics),
    interruptedConversations: () => candidates.all().map((row) => row.id),
    interrupt: (conversationId) => interrupt.run(now(), conversationId).changes,
  };
}
