/**
 * The tool calls of one step: each gets a `tool-call` span and a context (live output becomes
 * `tool-output` events) and goes to the dispatcher at once. `collect` then emits and returns the
 * results in call order; on abort, calls that have not finished get the "Aborted" result at once.
 */
import type { ChatMessage } from "@dispatch/wire";
import type { Attributes, Span } from "../contracts/logging.ts";
import type { ToolContext } from "../contracts/tool.ts";
import { watchAbort } from "./abort.ts";
import { ABORTED_OUTCOME, createToolDispatcher, type ToolCall, type ToolCallOutcome } from "./dispatch.ts";
import type { TurnState } from "./turn-state.ts";

/** A step's calls, in the order the model made them. */
export interface StepCalls {
  readonly count: number;
  /** Starts a call (per the dispatch rule). */
  submit(call: ToolCall): void;
  /** Emits `tool-result` per call in call order and returns one `tool` message per call. */
  collect(): Promise<ChatMessage[]>;
  /** Closes the spans of calls that were never collected (the turn ended early). */
  abandon(): void;
}

interface Entry {
  call: ToolCall;
  span: Span;
  settled: Promise<void>;
  outcome?: ToolCallOutcome;
  closed: boolean;
}

/** The calls of step `stepId`, traced under `stepSpan`. */
export function createStepCalls(turn: TurnState, stepId: string, stepSpan: Span): StepCalls {
  const { input } = turn;
  const dispatcher = createToolDispatcher({
    tools: input.tools,
    maxConcurrent: turn.maxConcurrentTools,
    signal: input.signal,
    now: input.now,
  });
  const entries: Entry[] = [];

  const close = (entry: Entry, outcome: ToolCallOutcome | undefined): void => {
    entry.closed = true;
    const attributes: Attributes = outcome === undefined ? { abandoned: true } : { isError: outcome.isError };
    if (outcome?.durationMs !== undefined) attributes.durationMs = outcome.durationMs;
    entry.span.end({ attributes });
  };

  return {
    get count() {
      return entries.length;
    },
    submit: (call) => {
      const { toolCallId, toolName } = call;
      const span = stepSpan.child("tool-call", { toolName, toolCallId });
      const entry: Entry = { call, span, settled: Promise.resolve(), closed: false };
      const context: ToolContext = {
        toolCallId,
        conversationId: input.conversationId,
        turnId: input.turnId,
        stepId,
        ...(input.cwd === undefined ? {} : { cwd: input.cwd }),
        ...(input.toolRoots === undefined ? {} : { roots: input.toolRoots }),
        signal: input.signal,
        logger: span.logger,
        onOutput: (data, stream) => {
          if (!entry.closed) turn.emit({ type: "tool-output", toolCallId, data, stream });
        },
      };
      entry.settled = dispatcher.submit(call, context).then((outcome) => {
        entry.outcome = outcome;
      });
      entries.push(entry);
    },
    collect: async () => {
      const watch = watchAbort(input.signal);
      try {
        const messages: ChatMessage[] = [];
        for (const entry of entries) {
          if (entry.outcome === undefined && !input.signal.aborted) {
            await Promise.race([entry.settled, watch.aborted]);
          }
          const outcome = entry.outcome ?? ABORTED_OUTCOME;
          close(entry, outcome);
          messages.push(resultMessage(turn, stepId, entry.call, outcome));
        }
        return messages;
      } finally {
        watch.dispose();
      }
    },
    abandon: () => {
      for (const entry of entries) if (!entry.closed) close(entry, undefined);
    },
  };
}

function resultMessage(
  turn: TurnState,
  stepId: string,
  call: ToolCall,
  outcome: ToolCallOutcome,
): ChatMessage {
  const { toolCallId, toolName } = call;
  const { content, isError, durationMs } = outcome;
  turn.emit({
    type: "tool-result",
    stepId,
    toolCallId,
    toolName,
    content,
    isError,
    ...(durationMs === undefined ? {} : { durationMs }),
  });
  return { role: "tool", chunks: [{ type: "tool-result", toolCallId, toolName, content, isError, stepId }] };
}
