/**
 * The conversation store's service contract: the append-only chunk log (1-based, gap-free seq per
 * conversation), conversation metadata and per-conversation settings. All calls are synchronous
 * (bun:sqlite); every multi-row write is one transaction.
 */
import { defineService } from "@dispatch/kernel";
import type {
  ChatMessage,
  ConversationMeta,
  ConversationStatus,
  ReasoningEffort,
  StoredChunk,
  TurnMetrics,
} from "@dispatch/wire";

/** A window of the chunk log: `sinceSeq < seq < beforeSeq`, the newest `limit` of those, ascending. */
export interface ChunkWindow {
  sinceSeq?: number;
  beforeSeq?: number;
  limit?: number;
}

/** Per-conversation settings; `null` means "not set, fall back". */
export interface ConversationSettings {
  cwd: string | null;
  model: string | null;
  reasoningEffort: ReasoningEffort | null;
}

/** Filter of `listConversations`; all given conditions must hold. */
export interface ConversationFilter {
  status?: readonly ConversationStatus[];
  workspaceId?: string;
  /** Id prefix (short-id resolution). */
  idPrefix?: string;
  /** Case-insensitive substring of the title. */
  titleContains?: string;
  limit?: number;
}

/** What boot-time recovery repaired. */
export interface RecoveryReport {
  /** Conversations found `active` and set back to `idle`. */
  conversations: string[];
  /** Turns found running and marked interrupted. */
  interruptedTurns: number;
  /** Synthesized error results appended for tool calls that never got one. */
  repairedToolCalls: number;
}

export interface ConversationStore {
  /** Creates the conversation if absent (status `idle`, workspace `"default"` unless given). */
  ensureConversation(id: string, init?: { workspaceId?: string }): ConversationMeta;
  getMeta(id: string): ConversationMeta | null;
  /** Sorted by `lastActivityAt`, newest first. */
  listConversations(filter?: ConversationFilter): ConversationMeta[];
  setStatus(id: string, status: ConversationStatus): void;
  setTitle(id: string, title: string): void;
  setWorkspace(id: string, workspaceId: string): void;
  getSettings(id: string): ConversationSettings;
  setCwd(id: string, cwd: string | null): void;
  setModel(id: string, model: string | null): void;
  setReasoningEffort(id: string, effort: ReasoningEffort | null): void;

  /** Records a running turn (for recovery). */
  beginTurn(conversationId: string, turnId: string): void;
  /**
   * Appends messages in one transaction and returns their chunks with the assigned seqs. Sets the
   * title from the first user text if the conversation has none. Updates `lastActivityAt`.
   */
  append(conversationId: string, turnId: string, messages: readonly ChatMessage[]): StoredChunk[];
  /** Marks the turn sealed and stores its metrics, in one transaction. */
  sealTurn(conversationId: string, metrics: TurnMetrics, finishReason: string): void;

  /** The whole history as messages, reconciled so it is valid to send to a provider. */
  loadHistory(id: string): ChatMessage[];
  /** Raw (not reconciled) chunks of a window, and `latestSeq` (last returned, or `sinceSeq` when empty). */
  readChunks(id: string, window?: ChunkWindow): { chunks: StoredChunk[]; latestSeq: number };
  /** The newest seq of the conversation, 0 when empty. */
  lastSeq(id: string): number;
  loadMetrics(id: string): TurnMetrics[];
  /** The text of the last assistant message and its turn. */
  lastAssistantText(id: string): { content: string; turnId?: string };

  /**
   * Boot-time repair after a crash: running turns become interrupted, `active` conversations become
   * `idle`, and each tool call without a result gets an error result appended right after it.
   */
  recoverInterrupted(): RecoveryReport;
}

/** Provided by the `conversation-store` extension. */
export const conversationStoreService = defineService<ConversationStore>("conversation-store/store");
