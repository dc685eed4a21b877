/**
 * `runTurn`, the agent loop: run steps (step.ts) until the model stops calling tools, the step cap
 * is reached, the turn is aborted, or something fails. It never throws for an expected failure:
 * the first event is `turn-start`, the last is `done`, and the result says why the turn ended.
 */
import type { FinishReason } from "@dispatch/wire";
import { errorMessage } from "../errors.ts";
import { usageAttributes } from "./metrics.ts";
import { runStep } from "./step.ts";
import { createTurnState, type TurnState } from "./turn-state.ts";
import type { RunTurnInput, RunTurnResult } from "./types.ts";

/** Runs one turn. Contract: resolves (never rejects) once `done` has been emitted. */
export async function runTurn(input: RunTurnInput): Promise<RunTurnResult> {
  const started = input.now();
  const turn = createTurnState(input);
  turn.emit({ type: "turn-start" });
  let reason: FinishReason;
  try {
    reason = await runSteps(turn);
  } catch (err) {
    const message = `The turn failed unexpectedly: ${errorMessage(err)}`;
    turn.log.error("runTurn failed unexpectedly", { err });
    turn.emit({ type: "error", message, code: "INTERNAL" });
    turn.failure = message;
    reason = "error";
  }
  return finish(turn, reason, input.now() - started);
}

async function runSteps(turn: TurnState): Promise<FinishReason> {
  for (let stepIndex = 0; ; stepIndex += 1) {
    if (turn.input.signal.aborted) return "aborted";
    const reason = await runStep(turn, stepIndex);
    if (reason !== undefined) return reason;
  }
}

function finish(turn: TurnState, reason: FinishReason, durationMs: number): RunTurnResult {
  const { usage, steps, lastStepUsage } = turn;
  const contextSize =
    lastStepUsage === undefined ? undefined : lastStepUsage.inputTokens + lastStepUsage.outputTokens;
  turn.span.end({
    attributes: { finishReason: reason, steps: steps.length, ...usageAttributes(usage) },
    ...(reason === "error" ? { error: new Error(turn.failure ?? "the turn failed") } : {}),
  });
  turn.emit({
    type: "done",
    reason,
    durationMs,
    usage,
    ...(contextSize === undefined ? {} : { contextSize }),
  });
  return {
    messages: turn.added,
    finishReason: reason,
    usage,
    steps,
    ...(contextSize === undefined ? {} : { contextSize }),
    durationMs,
  };
}
