/**
 * `createConversationStore`: the `ConversationStore` service over the storage contract's SQL
 * database. It migrates its own tables, wraps every multi-row write in one transaction, reconciles
 * history on load and repairs the log of turns a crash interrupted.
 */
import type { Logger, SqlDatabase } from "@dispatch/kernel";
import type { ChatMessage } from "@dispatch/wire";
import { createChunkLog } from "./chunk-log.ts";
import { createConversationTable } from "./conversations.ts";
import { createConversationCopier } from "./fork.ts";
import { danglingTailCalls, interruptedResult, reconcile } from "./reconcile.ts";
import { CONVERSATION_STORE_MIGRATIONS, CONVERSATION_STORE_OWNER } from "./schema.ts";
import { deriveTitle } from "./title.ts";
import { createTurnTable } from "./turns.ts";
import type { ConversationStore, RecoveryReport } from "./types.ts";
import {
  assertWorkspaceId,
  createWorkspaceTable,
  DEFAULT_WORKSPACE_ID,
  isValidWorkspaceId,
} from "./workspaces.ts";

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
  const workspaces = createWorkspaceTable(sql, now);
  const copyConversation = createConversationCopier(sql);

  /** Appends and stamps activity on the conversation and its workspace; the caller holds the transaction. */
  function appendAndTouch(id: string, turnId: string | null, messages: readonly ChatMessage[]) {
    const stored = log.append(id, turnId, messages);
    touch(id, deriveTitle(messages));
    return stored;
  }

  /** Stamps activity on the conversation (and its title while empty) and on its workspace. */
  function touch(id: string, title: string): void {
    conversations.touch(id, title);
    workspaces.touchFor(id, now());
  }

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
    ensureConversation(id, init) {
      const workspaceId = init?.workspaceId;
      if (workspaceId === undefined) return conversations.ensure(id);
      assertWorkspaceId(workspaceId);
      return sql.transaction(() => {
        const existing = conversations.get(id);
        if (existing) return existing;
        workspaces.ensure(workspaceId);
        return conversations.ensure(id, workspaceId);
      });
    },
    getMeta: (id) => conversations.get(id),
    listConversations: (filter = {}) => conversations.list(filter),
    setStatus: (id, status) => conversations.set(id, "status", status),
    setTitle: (id, title) => conversations.set(id, "title", title),
    setWorkspace(id, workspaceId) {
      assertWorkspaceId(workspaceId);
      sql.transaction(() => {
        workspaces.ensure(workspaceId);
        conversations.set(id, "workspace_id", workspaceId);
      });
    },
    getSettings: (id) => conversations.settings(id),
    setCwd: (id, cwd) => conversations.set(id, "cwd", cwd || null),
    setModel: (id, model) => conversations.set(id, "model", model || null),
    setReasoningEffort: (id, effort) => conversations.set(id, "reasoning_effort", effort),
    getCompactPercent: (id) => conversations.compactPercent(id),
    setCompactPercent(id, percent) {
      if (percent !== null && !(Number.isFinite(percent) && percent >= 0 && percent <= 100)) {
        throw new RangeError(`compact percent must be a number from 0 to 100 or null, got ${percent}`);
      }
      conversations.set(id, "compact_percent", percent);
    },

    getWorkspace: (id) => (isValidWorkspaceId(id) ? workspaces.get(id) : null),
    listWorkspaces: () => workspaces.list(),
    upsertWorkspace(id, patch = {}) {
      assertWorkspaceId(id);
      return sql.transaction(() => {
        workspaces.ensure(id);
        const updated = workspaces.update(id, patch);
        if (!updated)
          throw new Error(`upsert workspace ${id}: the row vanished inside its transaction (a bug)`);
        return updated;
      });
    },
    setWorkspaceTitle: (id, title) => workspaces.update(id, { title }),
    setWorkspaceDefaultCwd: (id, cwd) => workspaces.update(id, { defaultCwd: cwd }),
    setWorkspaceExtraRoots: (id, roots) => workspaces.update(id, { extraRoots: roots }),
    deleteWorkspace(id) {
      if (id === DEFAULT_WORKSPACE_ID) return { error: "default" };
      return sql.transaction(() => {
        if (!workspaces.get(id)) return { error: "unknown" } as const;
        return { closedCount: workspaces.remove(id) };
      });
    },

    beginTurn(conversationId, turnId) {
      sql.transaction(() => {
        conversations.insertIfMissing(conversationId);
        turns.begin(conversationId, turnId);
      });
    },
    append(conversationId, turnId, messages, options) {
      return sql.transaction(() => {
        conversations.insertIfMissing(conversationId);
        if (options?.touch !== false) return appendAndTouch(conversationId, turnId, messages);
        // A step of a running turn: the log only (the turn stamps activity when it opens and seals).
        const stored = log.append(conversationId, turnId, messages);
        conversations.titleIfEmpty(conversationId, deriveTitle(messages));
        return stored;
      });
    },
    sealTurn(conversationId, metrics, finishReason) {
      sql.transaction(() => {
        conversations.insertIfMissing(conversationId);
        turns.seal(conversationId, metrics, finishReason);
        touch(conversationId, "");
      });
    },
    transaction: (fn) => sql.transaction(fn),

    forkHistory(sourceId, targetId) {
      return sql.transaction(() => {
        const source = conversations.get(sourceId);
        if (!source) throw new Error(`forkHistory: no conversation ${JSON.stringify(sourceId)} to fork`);
        if (conversations.get(targetId)) {
          throw new Error(`forkHistory: the target ${JSON.stringify(targetId)} already exists`);
        }
        const date = new Date(now()).toISOString().slice(0, 10);
        copyConversation(sourceId, targetId, `${source.title} (archived ${date})`.trimStart());
        const archive = conversations.get(targetId);
        if (!archive) throw new Error(`forkHistory: ${targetId} is missing after its copy (a bug)`);
        return archive;
      });
    },
    replaceHistory(id, turnId, messages, options = {}) {
      return sql.transaction(() => {
        conversations.ensure(id);
        log.clear(id);
        const stored = appendAndTouch(id, turnId, messages);
        if (options.compactedFrom !== undefined)
          conversations.set(id, "compacted_from", options.compactedFrom);
        return stored;
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
