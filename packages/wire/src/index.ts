/**
 * The wire ABI: the types every process boundary speaks (NDJSON stream, WebSocket deltas, stored
 * history). Types only, no runtime, no dependencies; the kernel and transport-contract re-export it
 * so clients can depend on the wire alone. Names and fields match the reference system exactly.
 * @module
 */

/** Who wrote a message. */
export type Role = "system" | "user" | "assistant" | "tool";

/** Opaque turn id, `turn-<epoch ms>-<random>`. */
export type TurnId = string;
/** Opaque step id, `<turnId>#<0-based step index>`: the grouping key of a batch of parallel tool calls. */
export type StepId = string;

/** The persisted and rendered unit of a message. */
export type Chunk =
  | { type: "text"; text: string }
  | { type: "thinking"; text: string }
  | { type: "tool-call"; toolCallId: string; toolName: string; input: unknown; stepId?: StepId }
  | {
      type: "tool-result";
      toolCallId: string;
      toolName: string;
      content: string;
      isError: boolean;
      stepId?: StepId;
    }
  | { type: "error"; message: string; code?: string }
  | { type: "system"; text: string }
  | { type: "image"; url: string; mimeType?: string };

/** An image a client attaches to a message. */
export interface ImageInput {
  url: string;
  mimeType?: string;
}

/** A message is the provider's unit: one role, ordered chunks. */
export interface ChatMessage {
  role: Role;
  chunks: Chunk[];
}

/**
 * The sync envelope of persisted history. Contract: `seq` is 1-based, monotonic and gap-free per
 * conversation, so a client holding a suffix knows older chunks exist iff its oldest `seq > 1`.
 */
export interface StoredChunk {
  seq: number;
  role: Role;
  chunk: Chunk;
}

/** Reasoning effort; resolved per turn as request value, then persisted value, then `high`. */
export type ReasoningEffort = "low" | "medium" | "high" | "xhigh" | "max";

/** Token usage of one step, or summed over a turn. `inputTokens` includes cached tokens. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

/** Persisted timing and usage of one step. */
export interface StepMetrics {
  stepId: StepId;
  usage: Usage;
  ttftMs?: number;
  decodeMs?: number;
  genTotalMs?: number;
}

/** Persisted metrics of one sealed turn. `contextSize` is the final step's input + output tokens. */
export interface TurnMetrics {
  turnId: TurnId;
  usage: Usage;
  durationMs?: number;
  steps: StepMetrics[];
  contextSize?: number;
}

/** `queued` waits for a provider slot: broadcast only; the persisted status stays `active`. */
export type ConversationStatus = "active" | "queued" | "idle" | "closed";

/** A conversation's metadata. */
export interface ConversationMeta {
  id: string;
  createdAt: number;
  lastActivityAt: number;
  /** The first user message, truncated, unless renamed. */
  title: string;
  status: ConversationStatus;
  /** `"default"` if never assigned. */
  workspaceId: string;
  compactedFrom?: string;
}

/** A queued steering message. */
export interface QueuedMessage {
  id: string;
  text: string;
  queuedAt: number;
}

/** Payload of the message-queue surface field. */
export interface QueuePayload {
  messages: QueuedMessage[];
}

/** Result of a compaction. */
export interface CompactionResult {
  summary: string;
  /** The archive conversation holding the full pre-compaction history. */
  newConversationId: string;
  messagesSummarized: number;
  messagesKept: number;
}

/** A workspace groups conversations and carries a default cwd. `"default"` always exists. */
export interface Workspace {
  /** Slug `[a-z0-9-]`, 1-40 chars, immutable. */
  id: string;
  title: string;
  defaultCwd: string | null;
  defaultComputerId: string | null;
  createdAt: number;
  lastActivityAt: number;
  starred?: boolean;
  /** Absolute directories the file tools may use besides the cwd; present only when non-empty. */
  extraRoots?: string[];
}

/** A workspace with its conversation count, as listed. */
export interface WorkspaceEntry extends Workspace {
  conversationCount: number;
}

/** Why a turn or step ended. Provider-specific strings pass through. */
export type FinishReason =
  | "stop"
  | "tool-calls"
  | "length"
  | "content-filter"
  | "max-steps"
  | "error"
  | "aborted"
  | (string & {});

interface EventBase {
  conversationId: string;
}
interface TurnEventBase extends EventBase {
  turnId: TurnId;
}

/**
 * Everything a turn tells its watchers. Every variant carries `type` and `conversationId`; all but
 * `status` carry `turnId`. Typical order: `user-message, turn-start, (reasoning-delta|text-delta)*,
 * [tool-call, tool-output*], usage, step-complete, tool-result*, [steering], …, done, turn-sealed`.
 */
export type AgentEvent =
  | (EventBase & { type: "status"; status: string })
  | (TurnEventBase & { type: "user-message"; text: string })
  | (TurnEventBase & { type: "turn-start" })
  | (TurnEventBase & { type: "text-delta"; delta: string })
  | (TurnEventBase & { type: "reasoning-delta"; delta: string })
  | (TurnEventBase & {
      type: "tool-call";
      stepId: StepId;
      toolCallId: string;
      toolName: string;
      input: unknown;
    })
  | (TurnEventBase & {
      type: "tool-result";
      stepId: StepId;
      toolCallId: string;
      toolName: string;
      content: string;
      isError: boolean;
      durationMs?: number;
    })
  | (TurnEventBase & { type: "tool-output"; toolCallId: string; data: string; stream: "stdout" | "stderr" })
  | (TurnEventBase & { type: "usage"; usage: Usage; stepId?: StepId })
  | (TurnEventBase & {
      type: "step-complete";
      stepId: StepId;
      ttftMs?: number;
      decodeMs?: number;
      genTotalMs?: number;
    })
  | (TurnEventBase & { type: "error"; message: string; code?: string })
  | (TurnEventBase & {
      type: "provider-retry";
      attempt: number;
      delayMs: number;
      message: string;
      code?: string;
    })
  | (TurnEventBase & {
      type: "done";
      reason: FinishReason;
      durationMs?: number;
      usage?: Usage;
      contextSize?: number;
    })
  | (TurnEventBase & { type: "turn-sealed" })
  | (TurnEventBase & { type: "steering"; text: string });

/** The `type` tag of every event. */
export type AgentEventType = AgentEvent["type"];

/** The event variant with the given tag. */
export type AgentEventOf<T extends AgentEventType> = Extract<AgentEvent, { type: T }>;
