/**
 * One step of the turn: stream the model call (stream-step.ts) while its tool calls run
 * (step-calls.ts), persist the assistant message as soon as the stream ends, then the tool results
 * plus any steering message, and decide whether the turn goes on.
 */
import type { ChatMessage, FinishReason } from "@dispatch/wire";
import { addUsage, usageAttributes, ZERO_USAGE } from "./metrics.ts";
import { createStepCalls, type StepCalls } from "./step-calls.ts";
import { type StreamOutcome, streamStep } from "./stream-step.ts";
import { applyStepBoundary, drainSteering, persistMessages, type TurnState } from "./turn-state.ts";

/** Runs step `stepIndex`. Returns why the turn ends, or `undefined` to run the next step. */
export async function runStep(turn: TurnState, stepIndex: number): Promise<FinishReason | undefined> {
  const stepId = `${turn.input.turnId}#${stepIndex}`;
  const span = turn.span.child("step", { stepIndex });
  span.child("prompt", {}, turn.capture(turn.history)).end();
  const calls = createStepCalls(turn, stepId, span);
  try {
    const stream = await streamStep(turn, stepId, span, calls.submit);
    recordStep(turn, stepId, stream);
    span.setAttributes({
      finishReason: stream.finishReason ?? null,
      toolCalls: calls.count,
      ...usageAttributes(stream.usage ?? ZERO_USAGE),
    });
    return await settle(turn, stepIndex, stream, calls);
  } finally {
    calls.abandon();
    span.end();
  }
}

/** Emits `usage` and `step-complete` and adds the step's metrics to the turn. */
function recordStep(turn: TurnState, stepId: string, stream: StreamOutcome): void {
  const { usage, timing } = stream;
  if (usage !== undefined) {
    turn.emit({ type: "usage", usage, stepId });
    turn.usage = addUsage(turn.usage, usage);
    turn.lastStepUsage = usage;
  }
  turn.emit({ type: "step-complete", stepId, ...timing });
  turn.steps.push({ stepId, usage: usage ?? ZERO_USAGE, ...timing });
}

async function settle(
  turn: TurnState,
  stepIndex: number,
  stream: StreamOutcome,
  calls: StepCalls,
): Promise<FinishReason | undefined> {
  const { failure } = stream;
  const assistant: ChatMessage = { role: "assistant", chunks: stream.chunks };
  if (failure !== undefined) {
    const code = failure.code === undefined ? {} : { code: failure.code };
    assistant.chunks.push({ type: "error", message: failure.message, ...code });
    turn.emit({ type: "error", message: failure.message, ...code });
    turn.failure = failure.message;
  }
  // An empty assistant message (aborted before any content) is never stored: providers reject it.
  if (assistant.chunks.length > 0) {
    turn.history.push(assistant);
    if (!(await persistMessages(turn, [assistant]))) return "error";
  }
  const ended = stream.aborted ? "aborted" : failure !== undefined ? "error" : undefined;
  if (calls.count === 0) return ended ?? stream.finishReason ?? "stop";

  const results = await calls.collect();
  const stop = turn.input.signal.aborted
    ? "aborted"
    : (ended ?? (stepIndex + 1 >= turn.maxSteps ? "max-steps" : undefined));
  const steering = stop === undefined ? await drainSteering(turn) : [];
  turn.history.push(...results, ...steering);
  if (!(await persistMessages(turn, [...results, ...steering]))) return "error";
  if (stop !== undefined) return stop;
  await applyStepBoundary(turn, stepIndex, stream.usage ?? ZERO_USAGE);
  return undefined;
}
