/**
 * Request and response shapes of every HTTP route (and the chat WebSocket messages), shared by the
 * server and every client. Types only; re-exports the wire so a client needs this package alone.
 * Field names, shapes and status codes match the reference system.
 * @module
 */
import type {
  AgentEvent,
  ConversationMeta,
  ConversationStatus,
  ImageInput,
  QueuedMessage,
  ReasoningEffort,
  StoredChunk,
  TurnMetrics,
  WorkspaceEntry,
} from "@dispatch/wire";

export type * from "@dispatch/wire";

/** Every error body: `{ error }`, with a message that says what to fix. */
export interface ErrorResponse {
  error: string;
}

/** `GET /health`. */
export interface HealthResponse {
  ok: true;
}

/** `GET /status`: the daemon itself (token required). */
export interface DaemonStatusResponse {
  version: string;
  pid: number;
  startedAt: number;
  dataDir: string;
  httpUrl: string;
  /** The surface/chat WebSocket, or `null` when it is not running. */
  surfaceWsUrl: string | null;
  credentials: { name: string; providerId: string; baseURL: string }[];
  defaultModel: string | null;
  activeTurns: number;
  /** The observability collector: `running`, `restarting`, `gave-up` or `stopped`. */
  collector: string;
}

/** `GET /models`. */
export interface ModelsResponse {
  models: string[];
  modelInfo?: Record<string, { contextWindow?: number; vision?: boolean }>;
}

/** `POST /chat` body. The response is NDJSON `AgentEvent`s; the id is in `X-Conversation-Id`. */
export interface ChatRequest {
  conversationId?: string;
  message: string;
  model?: string;
  cwd?: string;
  reasoningEffort?: ReasoningEffort;
  workspaceId?: string;
  images?: ImageInput[];
}

/** The header carrying the resolved conversation id of `POST /chat`. */
export type ConversationIdHeader = "X-Conversation-Id";

/** `POST /chat/warm` body. */
export interface WarmRequest {
  conversationId: string;
  model?: string;
  cwd?: string;
}

/** `POST /chat/warm` result; percentages are 0-100. */
export interface WarmResponse {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cachePct: number;
  expectedCacheRate: number;
}

/** `GET /conversations?status=a,b&workspaceId=&q=`. */
export interface ConversationListResponse {
  conversations: ConversationMeta[];
}

/** `GET /conversations/:id?sinceSeq&beforeSeq&limit`. */
export interface ConversationHistoryResponse {
  chunks: StoredChunk[];
  /** The last returned seq, or the requested `sinceSeq` when nothing was returned. */
  latestSeq: number;
}

/** `GET /conversations/:id/status`. */
export interface ConversationStatusResponse {
  conversationId: string;
  isActive: boolean;
  status: ConversationStatus;
}

/** `GET /conversations/:id/last`. */
export interface LastMessageResponse {
  conversationId: string;
  content: string;
  turnId?: string;
}

/** `GET /conversations/:id/metrics`. */
export interface ConversationMetricsResponse {
  turns: TurnMetrics[];
}

/** `POST /conversations/:id/stop` and `/close`. */
export interface StopResponse {
  conversationId: string;
  abortedTurn: boolean;
}

/** `POST /conversations/:id/open`. */
export interface OpenResponse {
  conversationId: string;
}

/** `GET|PUT|DELETE /conversations/:id/cwd`. */
export interface CwdRequest {
  cwd: string;
  workspaceId?: string;
}
export interface CwdResponse {
  conversationId: string;
  cwd: string | null;
}

/** `GET|PUT /conversations/:id/model` (`null` or empty clears). */
export interface ModelRequest {
  model: string | null;
}
export interface ModelResponse {
  conversationId: string;
  model: string | null;
}

/** `GET|PUT /conversations/:id/reasoning-effort`. */
export interface ReasoningEffortRequest {
  reasoningEffort: ReasoningEffort;
}
export interface ReasoningEffortResponse {
  conversationId: string;
  reasoningEffort: ReasoningEffort | null;
}

/** `PUT /conversations/:id/title`. */
export interface TitleRequest {
  title: string;
}
export interface TitleResponse {
  conversationId: string;
  title: string;
}

/** `POST /conversations/:id/queue`; `text` or `message`. */
export interface QueueRequest {
  text?: string;
  message?: string;
  workspaceId?: string;
}
export interface QueueResponse {
  conversationId: string;
  startedTurn: boolean;
  queue: QueuedMessage[];
}

/** `DELETE /conversations/:id/queue/:messageId`. */
export interface QueueCancelResponse {
  conversationId: string;
  cancelled: boolean;
  queue: QueuedMessage[];
}

/** `POST /conversations/:id/compact`. */
export interface CompactRequest {
  keepLastN?: number;
  modelName?: string;
}
export interface CompactResponse {
  conversationId: string;
  newConversationId: string;
  messagesSummarized: number;
  messagesKept: number;
}

/** `GET|PUT /conversations/:id/compact-percent` (0 = manual only). */
export interface CompactPercentRequest {
  threshold?: number;
  percent?: number;
}
export interface CompactPercentResponse {
  conversationId: string;
  threshold: number;
}

/** One language server of `GET /conversations/:id/lsp`. */
export interface LspServerStatus {
  id: string;
  name: string;
  root: string;
  extensions: string[];
  state: "connected" | "starting" | "error" | "not-started";
  error?: string;
  configSource?: string;
}
export interface LspStatusResponse {
  conversationId: string;
  cwd: string | null;
  servers: LspServerStatus[];
}

/** `GET /workspaces`. */
export interface WorkspaceListResponse {
  workspaces: WorkspaceEntry[];
}
/** `PUT /workspaces/:id`. */
export interface WorkspaceUpsertRequest {
  title?: string;
  defaultCwd?: string | null;
  /** Absolute directories the file tools may also use (at most 20). */
  extraRoots?: string[];
}
/** `PUT /workspaces/:id/extra-roots`. */
export interface WorkspaceExtraRootsRequest {
  extraRoots: string[];
}
/** `DELETE /workspaces/:id`. */
export interface WorkspaceDeleteResponse {
  workspaceId: string;
  closedCount: number;
}

/** `GET|PUT /system-prompt`. */
export interface SystemPromptResponse {
  template: string;
}
/** `GET /system-prompt/variables`. */
export interface SystemPromptVariablesResponse {
  /** Insert one as `[type:name]`; `dynamic` ones take an argument (`[file:<path>]`). */
  variables: { type: string; name: string; description: string; dynamic?: boolean }[];
}

/** `GET /metrics/throughput?period=day|week|month&date=YYYY-MM-DD` (UTC; weeks start Monday). */
export interface ThroughputResponse {
  period: "day" | "week" | "month";
  date: string;
  /** Window, epoch ms, `[start, end)`. */
  start: number;
  end: number;
  /** Fastest first. */
  models: {
    model: string;
    tokensPerSecond: number;
    totalOutputTokens: number;
    totalGenMs: number;
    turns: number;
  }[];
}

/** Chat messages a WebSocket client sends. */
export type WsChatClientMessage =
  | {
      type: "chat.send";
      conversationId?: string;
      message: string;
      model?: string;
      cwd?: string;
      reasoningEffort?: ReasoningEffort;
      workspaceId?: string;
      images?: ImageInput[];
    }
  | { type: "chat.subscribe"; conversationId: string }
  | { type: "chat.unsubscribe"; conversationId: string }
  | { type: "chat.queue"; conversationId: string; text: string; workspaceId?: string }
  | { type: "chat.queue.cancel"; conversationId: string; messageId: string };

/** Chat messages a WebSocket server sends. `index` is the event's 0-based position in its turn. */
export type WsChatServerMessage =
  | { type: "chat.delta"; event: AgentEvent; index?: number }
  | { type: "chat.error"; conversationId?: string; message: string }
  | { type: "conversation.open"; conversationId: string; workspaceId: string }
  | {
      type: "conversation.statusChanged";
      conversationId: string;
      status: ConversationStatus;
      workspaceId: string;
    }
  | {
      type: "conversation.compacted";
      conversationId: string;
      newConversationId: string;
      messagesSummarized: number;
      messagesKept: number;
    };
