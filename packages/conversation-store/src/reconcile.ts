/**
 * `reconcile`: turns a stored history into one a provider accepts, without touching the log. It
 * strips error chunks, drops messages left empty, replaces tool-call inputs that are not JSON
 * objects, drops tool results that answer no open call, and gives every unanswered tool call an
 * error result right after the tool results of its own message. Pure.
 */
import type { ChatMessage, Chunk } from "@dispatch/wire";

/** The content of a synthesized result for a tool call that never finished. */
export const INTERRUPTED_TOOL_RESULT =
  "Interrupted: the tool did not finish (the server stopped). Run it again if it is still needed.";

/** One change `reconcile` made; `messageIndex` points into its input. */
export interface Repair {
  kind:
    | "dropped-empty-message"
    | "dropped-orphan-result"
    | "sanitized-input"
    | "stripped-error"
    | "synthesized-result";
  messageIndex: number;
  toolCallId?: string;
}

/** A provider-valid history and what it took. */
export interface ReconcileResult {
  messages: ChatMessage[];
  repairs: Repair[];
}

type ToolCallChunk = Extract<Chunk, { type: "tool-call" }>;
type ToolResultChunk = Extract<Chunk, { type: "tool-result" }>;

/** Makes `messages` valid to send to a provider; returns new arrays, never mutates its input. */
export function reconcile(messages: readonly ChatMessage[]): ReconcileResult {
  const repairs: Repair[] = [];
  const out: ChatMessage[] = [];
  // Calls of the latest assistant message still waiting for a result, with that message's index.
  let open = new Map<string, ToolCallChunk>();
  let openAt = -1;

  const closeOpenCalls = () => {
    if (open.size === 0) return;
    out.push({ role: "tool", chunks: [...open.values()].map(interruptedResult) });
    for (const id of open.keys())
      repairs.push({ kind: "synthesized-result", messageIndex: openAt, toolCallId: id });
    open = new Map();
  };

  messages.forEach((message, index) => {
    let chunks = message.chunks.filter((chunk) => chunk.type !== "error");
    if (chunks.length < message.chunks.length) repairs.push({ kind: "stripped-error", messageIndex: index });
    if (chunks.length === 0) {
      repairs.push({ kind: "dropped-empty-message", messageIndex: index });
      return;
    }
    if (message.role === "tool") {
      chunks = chunks.filter((chunk) => {
        if (chunk.type !== "tool-result") return true;
        if (open.delete(chunk.toolCallId)) return true;
        repairs.push({ kind: "dropped-orphan-result", messageIndex: index, toolCallId: chunk.toolCallId });
        return false;
      });
      if (chunks.length === 0) {
        repairs.push({ kind: "dropped-empty-message", messageIndex: index });
        return;
      }
      out.push({ role: message.role, chunks });
      return;
    }
    closeOpenCalls();
    if (message.role === "assistant") {
      chunks = chunks.map((chunk) => {
        if (chunk.type !== "tool-call") return chunk;
        const call = isPlainObject(chunk.input) ? chunk : { ...chunk, input: {} };
        if (call !== chunk)
          repairs.push({ kind: "sanitized-input", messageIndex: index, toolCallId: chunk.toolCallId });
        open.set(call.toolCallId, call);
        return call;
      });
      openAt = index;
    }
    out.push({ role: message.role, chunks });
  });
  closeOpenCalls();
  return { messages: out, repairs };
}

/** The tool calls of the log's tail that have no result: what boot recovery persists results for. */
export function danglingTailCalls(messages: readonly ChatMessage[]): {
  messageIndex: number;
  calls: ToolCallChunk[];
} {
  const answered = new Set<string>();
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (!message || message.chunks.every((chunk) => chunk.type === "error")) continue;
    if (message.role === "tool") {
      for (const chunk of message.chunks) if (chunk.type === "tool-result") answered.add(chunk.toolCallId);
      continue;
    }
    if (message.role !== "assistant") break;
    const calls = message.chunks.filter(
      (chunk): chunk is ToolCallChunk => chunk.type === "tool-call" && !answered.has(chunk.toolCallId),
    );
    return { messageIndex: index, calls };
  }
  return { messageIndex: -1, calls: [] };
}

/** The error result standing in for a call that never finished. */
export function interruptedResult(call: ToolCallChunk): ToolResultChunk {
  return {
    type: "tool-result",
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    content: INTERRUPTED_TOOL_RESULT,
    isError: true,
    ...(call.stepId === undefined ? {} : { stepId: call.stepId }),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
