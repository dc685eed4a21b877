/**
 * `createConversationStore`: the `ConversationStore` service over the storage contract's SQL
 * database. It migrates its own tables, wraps every multi-row write in one transaction, reconciles
 * history on load and repairs the log of turns a crash interrupted.
 */
import type { Logger, SqlDatabase } from "@dispatch/kernel";
import { createChunkLog } from "./chunk-log.ts";
import { createConversationTable } from "./conversations.ts";
import { danglingTailCalls, interruptedResult, reconcile } from "./reconcile.ts";
import { CONVERSATION_STORE_MIGRATIONS, CONVERSATION_STORE_OWNER } from "./schema.ts";
import { deriveTitle } from "./title.ts";
import { createTurnTable } from "./turns.ts";
import type { ConversationStore, RecoveryReport } from "./types.ts";

/** Options of `createConversationStore`. */
export interface ConversationStoreOptions {
  /** The database (from `storageService`); the store's migrations are applied to it. */
  sql: SqlDatabase;
  /** Wall clock for created/activity/turn times. Default `Date.now`. */
  now?: () => number;
  /** Receives a line when history needed repairs on load, and the recovery report. */
  logger?: Logger;
}

/** Migrates the schema and returns the store. */
export function createConversationStore(options: ConversationStoreOptions): ConversationStore {
  const { sql, logger } = options;
  const now = options.now ?? Date.now;
  sql.migrate(CONVERSATION_STORE_OWNER, CONVERSATION_STORE_MIGRATIONS);
  const conversations = createConversationTable(sql, now);
  const log = createChunkLog(sql);
  const turns = createTurnTable(sql, now);

  function recoverConversation(id: string, report: RecoveryReport): void {
    sql.transaction(() => {
      report.interruptedTurns += turns.interrupt(id);
      const status = conversations.get(id)?.status;
      if (status === "active" || status === "queued") {
        conversations.set(id, "status", "idle");
        report.conversations.push(id);
      }
      const stored = log.messages(id);
      const { messageIndex, calls } = danglingTailCalls(stored);
      if (calls.length === 0) return;
      const turnId = stored[messageIndex]?.turnId ?? null;
      // A dangling call can only sit in the interrupted tail, so appending puts its result right after it.
      log.append(id, turnId, [{ role: "tool", chunks: calls.map(interruptedResult) }]);
      report.repairedToolCalls += calls.length;
    });
  }

  return {
    ensureConversation: (id, init) => conversations.ensure(id, init?.workspaceId),
    getMeta: (id) => conversations.get(id),
    listConversations: (filter = {}) => conversations.list(filter),
    setStatus: (id, status) => conversations.set(id, "status", status),
    setTitle: (id, title) => conversations.set(id, "title", title),
    setWorkspace: (id, workspaceId) => conversations.set(id, "workspace_id", workspaceId),
    getSettings: (id) => conversations.settings(id),
    setCwd: (id, cwd) => conversations.set(id, "cwd", cwd || null),
    setModel: (id, model) => conversations.set(id, "model", model || null),
    setReasoningEffort: (id, effort) => conversations.set(id, "reasoning_effort", effort),

    beginTurn(conversationId, turnId) {
      sql.transaction(() => {
        conversations.ensure(conversationId);
        turns.begin(conversationId, turnId);
      });
    },
    append(conversationId, turnId, messages) {
      return sql.transaction(() => {
        conversations.ensure(conversationId);
        const stored = log.append(conversationId, turnId, messages);
        conversations.touch(conversationId, deriveTitle(messages));
        return stored;
      });
    },
    sealTurn(conversationId, metrics, finishReason) {
      sql.transaction(() => {
        conversations.ensure(conversationId);
        turns.seal(conversationId, metrics, finishReason);
      });
    },

    loadHistory(id) {
      const { messages, repairs } = reconcile(log.messages(id));
      if (repairs.length > 0) {
        const kinds = [...new Set(repairs.map((repair) => repair.kind))].sort().join(",");
        logger?.debug("history reconciled", { conversationId: id, repairs: repairs.length, kinds });
      }
      return messages;
    },
    readChunks: (id, window = {}) => log.read(id, window),
    lastSeq: (id) => log.lastSeq(id),
    loadMetrics: (id) => turns.metrics(id),
    lastAssistantText: (id) => log.lastAssistantText(id),

    recoverInterrupted() {
      const report: RecoveryReport = { conversations: [], interruptedTurns: 0, repairedToolCalls: 0 };
      for (const id of turns.interruptedConversations()) recoverConversation(id, report);
      return report;
    },
  };
}
