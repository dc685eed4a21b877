/**
 * The mutable state of one running turn and the guarded edges every step uses: emitting events
 * (a throwing sink is logged once, never propagated), persisting messages (a rejection becomes the
 * turn's `error`), steering and the step-boundary hook (both must not throw; guarded anyway).
 */
import type { AgentEvent, ChatMessage, StepMetrics, Usage } from "@dispatch/wire";
import type { Logger, Span } from "../contracts/logging.ts";
import type { ToolSpec } from "../contracts/tool.ts";
import { errorMessage } from "../errors.ts";
import { guardLogger } from "../logging/guard.ts";
import { ZERO_USAGE } from "./metrics.ts";
import { createPromptCapture, type PromptCapture } from "./prompt-capture.ts";
import { DEFAULT_MAX_STEPS, type RunTurnInput } from "./types.ts";

/** Concurrency-safe tools running at once when `maxConcurrentTools` is not given. */
export const DEFAULT_MAX_CONCURRENT_TOOLS = 8;

/** An `AgentEvent` of this turn without the ids the turn adds itself. */
export type TurnEvent = AgentEvent extends infer E
  ? E extends { turnId: string }
    ? Omit<E, "conversationId" | "turnId">
    : never
  : never;

/** One turn in progress. */
export interface TurnState {
  readonly input: RunTurnInput;
  /** The turn's logger (guarded, with conversationId and turnId). */
  readonly log: Logger;
  readonly span: Span;
  readonly toolSpecs: readonly ToolSpec[];
  readonly capture: PromptCapture;
  readonly maxSteps: number;
  readonly maxConcurrentTools: number;
  /** What the next model call sends; grows by appending, replaced only by `onStepBoundary`. */
  history: ChatMessage[];
  /** Every message the turn added (what `persist` received), in order. */
  readonly added: ChatMessage[];
  usage: Usage;
  readonly steps: StepMetrics[];
  /** Usage of the latest step that reported any (for `contextSize`). */
  lastStepUsage?: Usage;
  /** The message of the failure that ends the turn with `error`. */
  failure?: string;
  emit(event: TurnEvent): void;
}

/** Opens the turn: guarded logger, `turn` span, tool specs and the working history. */
export function createTurnState(input: RunTurnInput): TurnState {
  const { conversationId, turnId } = input;
  const log = guardLogger(input.logger).child({ conversationId, turnId });
  const toolSpecs = input.tools.map(({ name, description, inputSchema }) => ({
    name,
    description,
    inputSchema,
  }));
  let sinkFailed = false;
  return {
    input,
    log,
    span: log.span("turn", { conversationId, turnId, model: input.model }),
    toolSpecs,
    capture: createPromptCapture(input.systemPrompt, toolSpecs),
    maxSteps: atLeastOne(input.maxSteps, DEFAULT_MAX_STEPS),
    maxConcurrentTools: atLeastOne(input.maxConcurrentTools, DEFAULT_MAX_CONCURRENT_TOOLS),
    history: [...input.messages],
    added: [],
    usage: ZERO_USAGE,
    steps: [],
    emit: (event) => {
      try {
        input.emit({ ...event, conversationId, turnId } as AgentEvent);
      } catch (err) {
        if (!sinkFailed)
          log.error("the turn's event sink threw; events may be missing", { err, type: event.type });
        sinkFailed = true;
      }
    },
  };
}

/** Hands `messages` to `persist`. Returns `false` (after emitting `error`) when it rejects. */
export async function persistMessages(turn: TurnState, messages: ChatMessage[]): Promise<boolean> {
  turn.added.push(...messages);
  if (turn.input.persist === undefined || messages.length === 0) return true;
  try {
    await turn.input.persist(messages);
    return true;
  } catch (err) {
    const message = `Persisting messages failed: ${errorMessage(err)}`;
    turn.log.error("persist failed; ending the turn", { err });
    turn.emit({ type: "error", message, code: "PERSIST_FAILED" });
    turn.failure = message;
    return false;
  }
}

/** The queued steering texts as one user message (empty when nothing is queued). */
export async function drainSteering(turn: TurnState): Promise<ChatMessage[]> {
  try {
    const texts = (await turn.input.drainSteering?.()) ?? [];
    if (texts.length === 0) return [];
    return [{ role: "user", chunks: [{ type: "text", text: texts.join("\n\n") }] }];
  } catch (err) {
    turn.log.error("drainSteering threw; no steering this step", { err });
    return [];
  }
}

/** Lets the caller replace the working history at a tool-result boundary. */
export async function applyStepBoundary(turn: TurnState, stepIndex: number, usage: Usage): Promise<void> {
  try {
    const replacement = await turn.input.onStepBoundary?.({ stepIndex, messages: turn.history, usage });
    if (replacement !== undefined && replacement.length > 0) turn.history = [...replacement];
  } catch (err) {
    turn.log.error("onStepBoundary threw; keeping the history", { err });
  }
}

function atLeastOne(value: number | undefined, fallback: number): number {
  return value === undefined || Number.isNaN(value) ? fallback : Math.max(1, Math.floor(value));
}
