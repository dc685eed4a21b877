/**
 * Scripted replies and their translation into OpenAI chat-completions stream chunks. Pure: the
 * server in `scripted-model.ts` only frames these chunks as SSE and paces them.
 */

/** One scripted tool call. */
export interface ScriptedToolCall {
  /** Defaults to `call_<n>` (n counts calls across the server's lifetime). */
  id?: string;
  name: string;
  /** A string is sent verbatim (so invalid JSON can be scripted); an object is JSON-encoded. */
  arguments: string | object;
  /** How many deltas the arguments are split across (default 2). */
  chunks?: number;
}

/** Token counts sent in the final usage chunk. */
export interface ScriptedUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
  reasoning_tokens?: number;
}

/** What the scripted model answers to one chat request. */
export interface Reply {
  /** An HTTP error status: the server answers with `errorBody` as JSON instead of a stream. */
  status?: number;
  /** Defaults to `{ error: { message: "scripted error <status>", type: "scripted_error", code: <status> } }`. */
  errorBody?: unknown;
  /** Extra response headers (e.g. `retry-after` on a 429). */
  headers?: Record<string, string>;
  /** Streamed as `delta.reasoning_content` before the text. */
  reasoning?: string | string[];
  /** Streamed as `delta.content`; a string is split into ~word tokens. */
  text?: string | string[];
  /** Streamed after the text, header deltas first, then argument pieces interleaved by index. */
  toolCalls?: ScriptedToolCall[];
  /** Defaults to an estimate (request body length / 4 prompt tokens, one completion token per chunk). */
  usage?: ScriptedUsage;
  /** Defaults to `"tool_calls"` when there are tool calls, else `"stop"`. */
  finishReason?: string;
  /** Delay before every chunk after the first. */
  tokenDelayMs?: number;
  /** Delay before the first chunk. */
  firstTokenDelayMs?: number;
  /** Sends only the first N chunks, then keeps the connection open without writing. */
  stallAfter?: number;
}

/** A text reply, e.g. `textReply("hello world", { reasoning: "hmm" })`. */
export function textReply(text: string | string[], options: Omit<Reply, "text"> = {}): Reply {
  return { ...options, text };
}

/** A reply with one tool call, e.g. `toolCallReply("read_file", { path: "a.txt" })`. */
export function toolCallReply(
  name: string,
  args: string | object,
  options: Omit<Reply, "toolCalls"> & { id?: string; chunks?: number } = {},
): Reply {
  const { id, chunks, ...rest } = options;
  const call: ScriptedToolCall = { name, arguments: args };
  if (id !== undefined) call.id = id;
  if (chunks !== undefined) call.chunks = chunks;
  return { ...rest, toolCalls: [call] };
}

/** An HTTP error reply, e.g. `errorReply(429, "slow down")`. */
export function errorReply(status: number, message?: string, options: Omit<Reply, "status"> = {}): Reply {
  const body = {
    error: { message: message ?? `scripted error ${status}`, type: "scripted_error", code: status },
  };
  return { errorBody: body, ...options, status };
}

/** Splits text into ~word tokens whose concatenation is the text. */
export function splitTokens(text: string): string[] {
  return text.match(/^\s+|\S+\s*/g) ?? [];
}

/** Splits `text` into `parts` pieces of near-equal length (fewer if the text is shorter). */
export function splitEven(text: string, parts: number): string[] {
  const n = Math.max(1, Math.min(parts, text.length));
  const size = Math.ceil(text.length / n);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces.length > 0 ? pieces : [""];
}

/** A chat-completions stream delta. */
export type Delta = Record<string, unknown>;

/** Everything `replyDeltas` needs besides the reply. */
export interface DeltaContext {
  /** Generates ids for tool calls without one. */
  nextCallId(): string;
}

/** The ordered deltas of a streamed reply (the first carries `role: "assistant"`). */
export function replyDeltas(reply: Reply, context: DeltaContext): Delta[] {
  const deltas: Delta[] = [];
  for (const piece of toPieces(reply.reasoning)) deltas.push({ reasoning_content: piece });
  for (const piece of toPieces(reply.text)) deltas.push({ content: piece });
  deltas.push(...toolCallDeltas(reply.toolCalls ?? [], context));
  const first = deltas[0];
  if (first === undefined) deltas.push({ role: "assistant", content: "" });
  else deltas[0] = { role: "assistant", ...first };
  return deltas;
}

/** The finish reason of a reply. */
export function replyFinishReason(reply: Reply): string {
  return reply.finishReason ?? ((reply.toolCalls?.length ?? 0) > 0 ? "tool_calls" : "stop");
}

/** The OpenAI usage object of a reply, with the details objects real servers send. */
export function usagePayload(usage: ScriptedUsage): Record<string, unknown> {
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
    prompt_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
  };
}

function toPieces(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === "string" ? splitTokens(value) : value;
}

function toolCallDeltas(calls: readonly ScriptedToolCall[], context: DeltaContext): Delta[] {
  const headers: Delta[] = [];
  const pieces: string[][] = [];
  calls.forEach((call, index) => {
    const args = typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments);
    const id = call.id ?? context.nextCallId();
    const fn = { name: call.name, arguments: "" };
    headers.push({ tool_calls: [{ index, id, type: "function", function: fn }] });
    pieces.push(splitEven(args, call.chunks ?? 2));
  });
  const rounds = Math.max(0, ...pieces.map((p) => p.length));
  const deltas = [...headers];
  for (let round = 0; round < rounds; round++) {
    pieces.forEach((callPieces, index) => {
      const piece = callPieces[round];
      if (piece !== undefined) deltas.push({ tool_calls: [{ index, function: { arguments: piece } }] });
    });
  }
  return deltas;
}
