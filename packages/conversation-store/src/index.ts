/**
 * `@dispatch/conversation-store`: conversations, their append-only chunk log, settings and
 * workspaces in relational SQLite tables, provided as `conversationStoreService`; plus the pure `reconcile`.
 * @module
 */
export { createConversationStoreExtension } from "./extension.ts";
export {
  danglingTailCalls,
  INTERRUPTED_TOOL_RESULT,
  interruptedResult,
  type ReconcileResult,
  type Repair,
  reconcile,
} from "./reconcile.ts";
export { CONVERSATION_STORE_MIGRATIONS, CONVERSATION_STORE_OWNER } from "./schema.ts";
export { type ConversationStoreOptions, createConversationStore } from "./store.ts";
export { deriveTitle, TITLE_MAX_LENGTH } from "./title.ts";
export type {
  AppendOptions,
  ChunkWindow,
  ConversationFilter,
  ConversationSettings,
  ConversationStore,
  DeleteWorkspaceResult,
  RecoveryReport,
  ReplaceHistoryOptions,
  WorkspacePatch,
} from "./types.ts";
export { conversationStoreService } from "./types.ts";
export {
  DEFAULT_WORKSPACE_ID,
  isValidWorkspaceId,
  MAX_WORKSPACE_EXTRA_ROOTS,
  WORKSPACE_ID_PATTERN,
} from "./workspaces.ts";
