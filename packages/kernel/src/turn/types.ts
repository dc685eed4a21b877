/**
 * The inputs and outputs of `runTurn`, the agent loop: stream one model step, run the tool calls it
 * made, feed the results back, and repeat until the model stops calling tools, the step cap is
 * reached, or the turn is aborted.
 */
import type {
  AgentEvent,
  ChatMessage,
  FinishReason,
  ReasoningEffort,
  StepMetrics,
  Usage,
} from "@dispatch/wire";
import type { Logger } from "../contracts/logging.ts";
import type { Provider } from "../contracts/provider.ts";
import type { Tool } from "../contracts/tool.ts";
import type { AbortSignalLike, Now, Sleep } from "../platform.ts";

/** Default cap on model calls per turn. A runaway agent stops with reason `max-steps`. */
export const DEFAULT_MAX_STEPS = 50;

/** Decides whether and when to retry a failed model call that produced no content yet. */
export interface RetryPolicy {
  /** Delay before retry number `attempt` (0-based), or `undefined` to give up. */
  delayFor(attempt: number, error: { message: string; code?: string }): number | undefined;
}

/** What the loop tells its caller at each tool-result boundary. */
export interface StepBoundary {
  stepIndex: number;
  /** The working history the next model call would send. */
  messages: readonly ChatMessage[];
  /** Usage of the step that just ended (its input + output approximates the context size). */
  usage: Usage;
}

/** One turn's inputs. */
export interface RunTurnInput {
  conversationId: string;
  turnId: string;
  provider: Provider;
  model: string;
  /** The history, ending with the new user message. */
  messages: readonly ChatMessage[];
  tools: readonly Tool[];
  systemPrompt?: string;
  reasoningEffort?: ReasoningEffort;
  cwd?: string;
  /** Extra roots for file tools, passed into every `ToolContext` as `roots`. */
  toolRoots?: readonly string[];
  signal: AbortSignalLike;
  /** Receives every event the loop produces. Contract: must not throw (the loop guards anyway). */
  emit(event: AgentEvent): void;
  logger: Logger;
  now: Now;
  sleep: Sleep;
  /** Defaults to `DEFAULT_MAX_STEPS`. */
  maxSteps?: number;
  /** Most concurrency-safe tools running at once in a step. Defaults to 8. */
  maxConcurrentTools?: number;
  /** No policy: a failed model call ends the turn with an `error`. */
  retry?: RetryPolicy;
  /**
   * Persists new messages the moment they are final: the assistant message when its stream ends,
   * then the step's tool results (followed by any steering message). Contract: awaited before the
   * loop goes on, so a crash never loses a message the loop has moved past; a rejection ends the
   * turn with an `error` event.
   */
  persist?(messages: ChatMessage[]): Promise<void>;
  /**
   * Called at each tool-result boundary; returns queued user texts to inject as one user message
   * after the tool results (the caller emits `steering`). Contract: must not throw.
   */
  drainSteering?(): Promise<string[]>;
  /**
   * Called at each tool-result boundary after steering; a returned history replaces the working
   * history for the next step (in-flight compaction). Contract: must not throw.
   */
  onStepBoundary?(boundary: StepBoundary): Promise<ChatMessage[] | undefined>;
}

/** One turn's outcome. */
export interface RunTurnResult {
  /** Every message the turn added, in order (what `persist` received). */
  messages: ChatMessage[];
  finishReason: FinishReason;
  /** Summed over steps. */
  usage: Usage;
  steps: StepMetrics[];
  /** The final step's input + output tokens. */
  contextSize?: number;
  durationMs: number;
}
