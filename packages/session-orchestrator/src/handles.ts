/**
 * The session orchestrator's typed handles: its service, the per-turn tools filter, and the
 * lifecycle events other extensions listen to.
 */
import { defineEvent, defineFilter, defineService, type Tool } from "@dispatch/kernel";
import type {
  AgentEvent,
  ChatMessage,
  ConversationStatus,
  ImageInput,
  QueuedMessage,
  ReasoningEffort,
  TurnMetrics,
  Usage,
} from "@dispatch/wire";

/** The tools offered to one turn; filters may add, drop or rewrite tools (e.g. per-cwd skill lists). */
export interface ToolAssembly {
  tools: Tool[];
  conversationId: string;
  cwd?: string;
}

/** Runs on every turn before the first model call. */
export const toolsFilter = defineFilter<ToolAssembly>("session-orchestrator/tools");

/** A turn began (after `user-message`). */
export const turnStarted = defineEvent<{ conversationId: string; turnId: string }>(
  "session-orchestrator/turn-started",
);
/**
 * A turn is sealing: emitted inside the seal's transaction, just before it commits, with what
 * `turnSettled` will carry. A listener's synchronous database writes commit with the seal (one
 * WAL commit instead of one per listener); a listener must not await, and a throw is logged and
 * does not stop the seal. Followed by `turnSettled` once committed.
 */
export const turnSealing = defineEvent<{
  conversationId: string;
  turnId: string;
  finishReason: string;
  /** `<credential>/<model>` the turn ran on. */
  model: string;
  metrics: TurnMetrics;
}>("session-orchestrator/turn-sealing");
/** A turn ended and everything is persisted (or it failed before sealing). */
export const turnSettled = defineEvent<{
  conversationId: string;
  turnId: string;
  sealed: boolean;
  finishReason?: string;
  /** `<credential>/<model>` the turn ran on. */
  model?: string;
  /** Present when sealed. */
  metrics?: TurnMetrics;
}>("session-orchestrator/turn-settled");
/** A conversation's status changed. */
export const conversationStatusChanged = defineEvent<{
  conversationId: string;
  status: ConversationStatus;
  workspaceId: string;
}>("session-orchestrator/conversation-status-changed");
/** A conversation was closed (a tab closed, not a socket). */
export const conversationClosed = defineEvent<{ conversationId: string }>(
  "session-orchestrator/conversation-closed",
);
/** A client asked frontends to open a conversation's tab. */
export const conversationOpened = defineEvent<{ conversationId: string; workspaceId: string }>(
  "session-orchestrator/conversation-opened",
);

/** A request to start a turn. */
export interface StartTurnRequest {
  conversationId: string;
  message: string;
  model?: string;
  cwd?: string;
  reasoningEffort?: ReasoningEffort;
  workspaceId?: string;
  images?: ImageInput[];
}

/** Why a turn did not start. */
export type StartTurnRefusal =
  | { started: false; reason: "already-active"; message: string }
  | { started: false; reason: "no-provider"; message: string }
  | { started: false; reason: "shutting-down"; message: string };

/** A started turn; `settled` resolves after its last event (`turn-sealed`, or a final `error`). */
export type StartTurnOutcome = { started: true; turnId: string; settled: Promise<void> } | StartTurnRefusal;

/** A watcher of a conversation's events. */
export type EventListener = (event: AgentEvent) => void;

export interface SessionOrchestrator {
  /**
   * Starts a detached turn, single-flight per conversation. The turn's first event is
   * `user-message`; its last is `turn-sealed` (after everything is persisted) or an `error` when
   * it failed before it could seal.
   */
  startTurn(request: StartTurnRequest): StartTurnOutcome;
  /**
   * Watches a conversation: replays the running turn's events so far (from `user-message`), then
   * streams live, including later turns, until disposed.
   */
  subscribe(conversationId: string, listener: EventListener): () => void;
  isActive(conversationId: string): boolean;
  /** How many turns are running, in every conversation. */
  activeTurns(): number;
  activeTurnId(conversationId: string): string | undefined;
  /** Asks frontends to open (focus) the conversation's tab (`conversationOpened`). */
  open(conversationId: string): void;
  /** Aborts the running turn; it still seals with `done` reason `aborted`. */
  stop(conversationId: string): { abortedTurn: boolean };
  /** Stops and marks the conversation closed. */
  close(conversationId: string): { abortedTurn: boolean };
  /** Resolves when the conversation has no running turn (immediately if idle). */
  waitIdle(conversationId: string, timeoutMs?: number): Promise<void>;
  /** Refuses new turns, lets running ones finish for `graceMs`, then aborts and awaits them. */
  shutdown(graceMs: number): Promise<void>;
}

/** Provided by the `session-orchestrator` extension. */
export const sessionOrchestratorService = defineService<SessionOrchestrator>("session-orchestrator/service");

/**
 * Port: where queued steering messages come from. Provided by the message queue; absent, turns
 * simply get no steering.
 */
export interface SteeringSource {
  /** Removes and returns the conversation's queued messages, oldest first. Contract: never throws. */
  drain(conversationId: string): QueuedMessage[];
}
export const steeringSourceService = defineService<SteeringSource>("session-orchestrator/steering-source");

/** What a system prompt is built from. */
export interface SystemPromptContext {
  conversationId: string;
  cwd: string;
  /** `<credential>/<model>`. */
  model: string;
  workspaceId: string;
}

/**
 * Port: the conversation's system prompt for a turn. Contract: byte-identical across turns until
 * the cwd changes or `invalidate` is called (prompt caching depends on it); never throws.
 */
export interface SystemPromptSource {
  forTurn(context: SystemPromptContext): Promise<string | undefined>;
  /**
   * Writes what `forTurn` built for the conversation and has not stored yet. The orchestrator calls
   * it inside the turn's opening transaction, so the prompt commits with the turn. Optional;
   * contract: synchronous, never throws.
   */
  persist?(conversationId: string): void;
  /** Forces a rebuild on the next turn (after compaction). */
  invalidate(conversationId: string): void;
}
export const systemPromptSourceService = defineService<SystemPromptSource>(
  "session-orchestrator/system-prompt-source",
);

/** What the orchestrator asks at each tool-result boundary of a running turn. */
export interface StepBoundaryContext {
  conversationId: string;
  turnId: string;
  /** `<credential>/<model>`. */
  model: string;
  stepIndex: number;
  messages: readonly ChatMessage[];
  usage: Usage;
  signal: AbortSignal;
}

/**
 * Port: in-flight compaction. Returns a replacement working history when the next request would
 * overflow the model's window. Contract: never throws.
 */
export interface StepBoundaryHandler {
  onStepBoundary(context: StepBoundaryContext): Promise<ChatMessage[] | undefined>;
}
export const stepBoundaryService = defineService<StepBoundaryHandler>("session-orchestrator/step-boundary");

/** The result of a warm probe; percentages are 0-100. */
export interface WarmResult {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Cache reads as a share of input tokens. */
  cachePct: number;
  /** Cache reads as a share of cache reads + writes. */
  expectedCacheRate: number;
}

/** A warm probe's result, or why it was refused (`conversation is generating`, `no history`, …). */
export type WarmOutcome = WarmResult | { error: string };

/** Replays a conversation's prompt prefix to keep the provider's cache hot. */
export interface WarmService {
  warm(conversationId: string, options?: { model?: string; cwd?: string }): Promise<WarmOutcome>;
}

/** Provided by the orchestrator extension. */
export const warmService = defineService<WarmService>("session-orchestrator/warm");

/** A warm probe succeeded. */
export const warmCompleted = defineEvent<{ conversationId: string; result: WarmResult; at: number }>(
  "session-orchestrator/warm-completed",
);
