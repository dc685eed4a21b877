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
  Workspace,
  WorkspaceEntry,
} from "@dispatch/wire";

/** A window of the chunk log: `sinceSeq < seq < beforeSeq`, the newest `limit` of those, ascending. */
export interface ChunkWindow {
  sinceSeq?: number;
  beforeSeq?: number;
  limit?: number;
  /**
   * Stop before the first chunk of a turn that is still running: a client gets that turn's
   * content from the live events (`chat.subscribe` replays it), so history must not show it too.
   */
  excludeRunningTurn?: boolean;
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

/** Fields `upsertWorkspace` sets; absent fields stay as they are (or take their defaults on create). */
export interface WorkspacePatch {
  title?: string;
  /** `null` or `""` clears. */
  defaultCwd?: string | null;
  /** Replaces the extra roots (absolute paths, at most `MAX_WORKSPACE_EXTRA_ROOTS`; `[]` clears). */
  extraRoots?: readonly string[];
}

/** Why `deleteWorkspace` refused: `default` cannot be deleted; `unknown` does not exist. */
export type DeleteWorkspaceResult = { closedCount: number } | { error: "default" | "unknown" };

/** Options of `replaceHistory`. */
export interface ReplaceHistoryOptions {
  /** The archive holding the replaced history (`forkHistory`'s target); becomes `compactedFrom`. */
  compactedFrom?: string;
}

/** Options of `append`. */
export interface AppendOptions {
  /**
   * Whether the append stamps `lastActivityAt` on the conversation and its workspace. Default
   * true. The orchestrator passes false for a turn's step appends: the turn stamps activity when
   * it opens (with its user message) and when it seals, so a step's commit writes only the log
   * rows (no conversation row, activity index or workspace pages in the WAL).
   */
  touch?: boolean;
}

export interface ConversationStore {
  /**
   * Creates the conversation if absent (status `idle`, workspace `"default"` unless given; a given
   * workspace is created if missing). Throws on an invalid workspace id.
   */
  ensureConversation(id: string, init?: { workspaceId?: string }): ConversationMeta;
  getMeta(id: string): ConversationMeta | null;
  /** Sorted by `lastActivityAt`, newest first. */
  listConversations(filter?: ConversationFilter): ConversationMeta[];
  setStatus(id: string, status: ConversationStatus): void;
  setTitle(id: string, title: string): void;
  /** Moves the conversation to the workspace, creating the workspace if missing. Throws on an invalid id. */
  setWorkspace(id: string, workspaceId: string): void;
  getSettings(id: string): ConversationSettings;
  setCwd(id: string, cwd: string | null): void;
  setModel(id: string, model: string | null): void;
  setReasoningEffort(id: string, effort: ReasoningEffort | null): void;
  /** The auto-compaction threshold in percent of the context window; `null` = the default. */
  getCompactPercent(id: string): number | null;
  /** Sets the threshold (0-100, 0 = manual only) or clears it with `null`. Throws outside 0-100. */
  setCompactPercent(id: string, percent: number | null): void;

  /** The workspace, or `null` when unknown (or not a valid id). `"default"` always exists. */
  getWorkspace(id: string): Workspace | null;
  /** Every workspace with its conversation count (all statuses), newest `lastActivityAt` first. */
  listWorkspaces(): WorkspaceEntry[];
  /** Creates the workspace if missing (title defaults to the id), then applies `patch`. Throws on an invalid id. */
  upsertWorkspace(id: string, patch?: WorkspacePatch): Workspace;
  /** Renames the workspace; `null` when it is unknown. */
  setWorkspaceTitle(id: string, title: string): Workspace | null;
  /** Sets or clears (`null`/`""`) the workspace's default cwd; `null` when it is unknown. */
  setWorkspaceDefaultCwd(id: string, cwd: string | null): Workspace | null;
  /**
   * Replaces the workspace's extra roots (normalized, duplicates dropped; `[]` clears); `null` when
   * it is unknown. Throws `RangeError` on a relative or empty path or more than 20 roots.
   */
  setWorkspaceExtraRoots(id: string, roots: readonly string[]): Workspace | null;
  /**
   * In one transaction: closes the workspace's conversations, moves them to `"default"` and
   * deletes the workspace. `closedCount` counts the conversations that were not already closed.
   */
  deleteWorkspace(id: string): DeleteWorkspaceResult;

  /** Records a running turn (for recovery). */
  beginTurn(conversationId: string, turnId: string): void;
  /**
   * Appends messages in one transaction and returns their chunks with the assigned seqs. Sets the
   * title from the first user text if the conversation has none. Updates `lastActivityAt` unless
   * `options.touch` is false.
   */
  append(
    conversationId: string,
    turnId: string,
    messages: readonly ChatMessage[],
    options?: AppendOptions,
  ): StoredChunk[];
  /** Marks the turn sealed, stores its metrics and updates `lastActivityAt`, in one transaction. */
  sealTurn(conversationId: string, metrics: TurnMetrics, finishReason: string): void;
  /**
   * Runs `fn` as one transaction: every store write it makes commits together (one WAL commit),
   * or none does when it throws (rethrown). Nested store calls become savepoints. Contract: `fn`
   * is synchronous (a returned promise rolls back and throws).
   */
  transaction<T>(fn: () => T): T;

  /**
   * Copies the source into a new `closed` conversation `targetId` in one transaction: every chunk
   * (same seqs), message, turn, metrics row and setting, the same workspace, title
   * `"<source title> (archived <YYYY-MM-DD>)"` and the source's own `compactedFrom` (so archives
   * chain back). Throws when the source is unknown or the target exists.
   */
  forkHistory(sourceId: string, targetId: string): ConversationMeta;
  /**
   * Replaces the history in one transaction: deletes every chunk and message, appends `messages`
   * from seq 1 (gap-free again) attributed to `turnId`, and sets `compactedFrom` when given. Turns
   * and metrics are kept. Returns the new chunks.
   */
  replaceHistory(
    id: string,
    turnId: string,
    messages: readonly ChatMessage[],
    options?: ReplaceHistoryOptions,
  ): StoredChunk[];

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
