/**
 * One step's model call: stream the provider's events into the assistant's chunks (coalescing
 * deltas), emit them live, hand each finished tool call to the dispatcher at once, and retry a
 * failed call only while it has produced no content at all (text, reasoning, tool call or usage).
 */
import type { Chunk, FinishReason, Usage } from "@dispatch/wire";
import type { Span } from "../contracts/logging.ts";
import type { ProviderEvent, ProviderRequest } from "../contracts/provider.ts";
import { errorMessage } from "../errors.ts";
import { readUntil } from "./abort.ts";
import type { ToolCall } from "./dispatch.ts";
import { addUsage, type StepTiming, startCallClock } from "./metrics.ts";
import type { TurnState } from "./turn-state.ts";

/** A failed model call. */
export interface StreamFailure {
  message: string;
  code?: string;
  retryable: boolean;
}

/** What the step's model call (after any retries) produced. */
export interface StreamOutcome {
  /** The assistant's chunks in stream order: coalesced text/thinking and tool calls. */
  chunks: Chunk[];
  usage?: Usage;
  finishReason?: FinishReason;
  /** Set when the call failed for good (the step's assistant message gets an `error` chunk). */
  failure?: StreamFailure;
  aborted: boolean;
  timing: StepTiming;
}

/** Streams the step's model call, retrying per `turn.input.retry`. */
export async function streamStep(
  turn: TurnState,
  stepId: string,
  span: Span,
  onToolCall: (call: ToolCall) => void,
): Promise<StreamOutcome> {
  const { signal } = turn.input;
  for (let attempt = 0; ; attempt += 1) {
    const outcome = await streamOnce(turn, stepId, span, onToolCall);
    const { failure } = outcome;
    const contentSeen = outcome.chunks.length > 0 || outcome.usage !== undefined;
    if (failure === undefined || !failure.retryable || contentSeen) return outcome;
    const delayMs = retryDelay(turn, attempt, failure);
    if (delayMs === undefined) return outcome;
    const code = failure.code === undefined ? {} : { code: failure.code };
    turn.emit({ type: "provider-retry", attempt, delayMs, message: failure.message, ...code });
    turn.log.warn("model call failed; retrying", { attempt, delayMs, message: failure.message, ...code });
    await sleepQuietly(turn, delayMs);
    if (signal.aborted) return { ...outcome, failure: undefined, aborted: true };
  }
}

/** What one attempt has gathered so far. */
interface Attempt {
  chunks: Chunk[];
  usage?: Usage;
  finishReason?: FinishReason;
  failure?: StreamFailure;
}

async function streamOnce(
  turn: TurnState,
  stepId: string,
  span: Span,
  onToolCall: (call: ToolCall) => void,
): Promise<StreamOutcome> {
  const { input } = turn;
  const attempt: Attempt = { chunks: [] };
  const clock = startCallClock(input.now);
  const ttft = span.child("ttft");
  let decode: Span | undefined;
  const markContent = () => {
    if (!clock.content()) return;
    ttft.end();
    decode = span.child("decode");
  };
  const onEvent = eventHandler(turn, stepId, attempt, markContent, onToolCall);
  try {
    await readUntil(input.provider.stream(requestFor(turn, span)), input.signal, onEvent);
  } catch (err) {
    attempt.failure = { message: errorMessage(err), retryable: true };
  }
  const timing = clock.end();
  const aborted = input.signal.aborted;
  const failure = aborted ? undefined : attempt.failure;
  ttft.end(failure === undefined ? undefined : { error: failure.message });
  decode?.end();
  const { chunks, usage, finishReason } = attempt;
  return { chunks, usage, finishReason, failure, aborted, timing };
}

/** Folds each provider event into `attempt` and emits it; returns `false` to stop reading. */
function eventHandler(
  turn: TurnState,
  stepId: string,
  attempt: Attempt,
  markContent: () => void,
  onToolCall: (call: ToolCall) => void,
): (event: ProviderEvent) => boolean {
  return (event) => {
    switch (event.type) {
      case "text-delta":
      case "reasoning-delta": {
        if (event.delta.length === 0) return true;
        appendDelta(attempt.chunks, event.type === "text-delta" ? "text" : "thinking", event.delta);
        turn.emit({ type: event.type, delta: event.delta });
        markContent();
        return true;
      }
      case "tool-call": {
        markContent();
        const { toolCallId, toolName } = event;
        const input = persistableInput(turn, toolName, event.input);
        attempt.chunks.push({ type: "tool-call", toolCallId, toolName, input: input.persisted, stepId });
        turn.emit({ type: "tool-call", stepId, toolCallId, toolName, input: input.persisted });
        onToolCall({ toolCallId, toolName, input: input.dispatched });
        return true;
      }
      case "usage":
        attempt.usage = attempt.usage === undefined ? event.usage : addUsage(attempt.usage, event.usage);
        return true;
      case "finish":
        attempt.finishReason = event.reason;
        return true;
      case "error": {
        const code = event.code === undefined ? {} : { code: event.code };
        attempt.failure = { message: event.message, retryable: event.retryable, ...code };
        return false;
      }
      default:
        return true;
    }
  };
}

function requestFor(turn: TurnState, span: Span): ProviderRequest {
  const { input } = turn;
  return {
    model: input.model,
    // The live working history: nothing is appended to it while this call streams.
    messages: turn.history,
    tools: turn.toolSpecs,
    ...(input.systemPrompt === undefined ? {} : { systemPrompt: input.systemPrompt }),
    ...(input.reasoningEffort === undefined ? {} : { reasoningEffort: input.reasoningEffort }),
    signal: input.signal,
    logger: span.logger,
  };
}

/** Extends the last chunk when it has the same kind, so consecutive deltas make one chunk. */
function appendDelta(chunks: Chunk[], type: "text" | "thinking", delta: string): void {
  const last = chunks[chunks.length - 1];
  if (last !== undefined && last.type === type) last.text += delta;
  else chunks.push({ type, text: delta });
}

/**
 * The input stored in the `tool-call` chunk must be a JSON object (providers reject anything else
 * when the history is sent back). A JSON string is parsed; anything that is not an object is stored
 * as `{}` while the tool still receives the raw value, so its validator tells the model what was wrong.
 */
function persistableInput(
  turn: TurnState,
  toolName: string,
  raw: unknown,
): { persisted: object; dispatched: unknown } {
  const value = typeof raw === "string" ? parseJson(raw) : raw;
  if (isPlainObject(value)) return { persisted: value, dispatched: value };
  turn.log.warn("tool call input is not a JSON object; storing {}", { toolName, inputPreview: preview(raw) });
  return { persisted: {}, dispatched: raw };
}

function preview(raw: unknown): string {
  if (typeof raw === "string") return raw.slice(0, 200);
  try {
    return String(JSON.stringify(raw)).slice(0, 200);
  } catch {
    return typeof raw;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isPlainObject(value: unknown): value is object {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function retryDelay(turn: TurnState, attempt: number, failure: StreamFailure): number | undefined {
  const { retry } = turn.input;
  if (retry === undefined) return undefined;
  try {
    const code = failure.code === undefined ? {} : { code: failure.code };
    const delay = retry.delayFor(attempt, { message: failure.message, ...code });
    return delay === undefined || !Number.isFinite(delay) ? undefined : Math.max(0, delay);
  } catch (err) {
    turn.log.error("retry policy threw; giving up", { err });
    return undefined;
  }
}

async function sleepQuietly(turn: TurnState, ms: number): Promise<void> {
  try {
    await turn.input.sleep(ms, turn.input.signal);
  } catch (err) {
    turn.log.error("sleep rejected; retrying at once", { err });
  }
}
