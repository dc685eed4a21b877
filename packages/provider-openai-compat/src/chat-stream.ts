/**
 * Decodes a chat completions SSE stream into `ProviderEvent`s: bytes are framed by
 * `eventsource-parser`, each `data:` payload is parsed as JSON and read through narrow type checks
 * (only the fields used here; anything else is ignored), tool calls are assembled from their split
 * deltas. Feed bytes with `push`, then call `end` once the body is done. Synchronous: the caller
 * owns the body reader, timeouts and abort.
 */
import type { ProviderEvent } from "@dispatch/kernel";
import { createParser, type EventSourceParser } from "eventsource-parser";
import { streamFailure } from "./errors.ts";
import { toFinishReason, toUsage } from "./map-parts.ts";

/** At most this many characters of one unterminated SSE event are buffered (a broken stream). */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;

interface PendingCall {
  index: number | undefined;
  id: string;
  name: string;
  arguments: string;
  emitted: boolean;
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const stringOr = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** One stream's decoder. `failed` is set once an `error` event was produced; nothing follows it. */
export class ChatStreamDecoder {
  failed = false;
  private readonly parser: EventSourceParser;
  private readonly decoder = new TextDecoder();
  private out: ProviderEvent[] = [];
  private readonly calls: PendingCall[] = [];
  private finishReason: string | undefined;
  private usage: unknown;
  private refused = false;
  private generatedIds = 0;

  constructor() {
    this.parser = createParser({
      maxBufferSize: MAX_EVENT_CHARS,
      onEvent: (event) => this.onData(event.data),
      onError: (error) => {
        if (error.type === "max-buffer-size-exceeded")
          this.fail(`an event exceeded ${MAX_EVENT_CHARS} characters`);
      },
    });
  }

  /** Decodes a piece of the body; returns the events it completed (a fresh array each call). */
  push(bytes: Uint8Array): ProviderEvent[] {
    if (!this.failed) this.parser.feed(this.decoder.decode(bytes, { stream: true }));
    return this.take();
  }

  /** The body ended: the calls still open, then usage and finish, or an error for a cut stream. */
  end(): ProviderEvent[] {
    if (this.failed) return this.take();
    this.parser.feed(this.decoder.decode());
    for (const call of this.calls) if (!call.emitted) this.emitCall(call);
    if (this.finishReason === undefined) {
      this.fail("the stream ended without a finish reason");
      return this.take();
    }
    const usage = toUsage(this.usage);
    if (usage) this.out.push({ type: "usage", usage });
    this.out.push({ type: "finish", reason: toFinishReason(this.finishReason, this.refused) });
    return this.take();
  }

  private take(): ProviderEvent[] {
    const events = this.out;
    this.out = [];
    return events;
  }

  private fail(detail: string): void {
    if (this.failed) return;
    this.failed = true;
    this.out.push(streamFailure(`the provider's stream broke off: ${detail}`));
  }

  private onData(data: string): void {
    if (this.failed || data === "[DONE]") return;
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      this.fail(`a chunk is not JSON: ${data.slice(0, 200)}`);
      return;
    }
    if (!isRecord(value)) {
      this.fail(`a chunk is not a JSON object: ${data.slice(0, 200)}`);
      return;
    }
    const choices = value.choices;
    if (choices === undefined && isRecord(value.error)) {
      const message = stringOr(value.error.message) ?? JSON.stringify(value.error);
      this.failed = true;
      this.out.push(streamFailure(`the provider reported an error mid-stream: ${message}`));
      return;
    }
    if (value.usage != null) this.usage = value.usage;
    if (choices === undefined || choices === null) return;
    if (!Array.isArray(choices)) {
      this.fail(`"choices" is not an array: ${data.slice(0, 200)}`);
      return;
    }
    const choice: unknown = choices[0];
    if (!isRecord(choice)) return;
    const finish = stringOr(choice.finish_reason);
    if (finish !== undefined) this.finishReason = finish;
    if (isRecord(choice.delta)) this.onDelta(choice.delta);
  }

  private onDelta(delta: Json): void {
    const reasoning = stringOr(delta.reasoning_content) ?? stringOr(delta.reasoning);
    if (reasoning) this.out.push({ type: "reasoning-delta", delta: reasoning });
    const content = delta.content;
    if (typeof content === "string") {
      if (content !== "") this.out.push({ type: "text-delta", delta: content });
    } else if (Array.isArray(content)) {
      this.onContentParts(content);
    }
    const refusal = stringOr(delta.refusal);
    if (refusal) {
      this.refused = true;
      this.out.push({ type: "text-delta", delta: refusal });
    }
    if (Array.isArray(delta.tool_calls)) {
      for (const part of delta.tool_calls) if (isRecord(part)) this.onToolCallDelta(part);
    }
  }

  /** Content sent as parts (some servers): text parts, and `thinking` parts as reasoning. */
  private onContentParts(parts: unknown[]): void {
    for (const part of parts) {
      if (!isRecord(part)) continue;
      if (part.type === "text" && typeof part.text === "string" && part.text !== "") {
        this.out.push({ type: "text-delta", delta: part.text });
      } else if (part.type === "thinking" && Array.isArray(part.thinking)) {
        const text = part.thinking
          .flatMap((piece) => (isRecord(piece) && typeof piece.text === "string" ? [piece.text] : []))
          .join("");
        if (text !== "") this.out.push({ type: "reasoning-delta", delta: text });
      }
    }
  }

  /**
   * Finds the call a delta continues: by `index` (a new `id` with a name at a known index starts a
   * new call: some servers reuse index 0), else by `id`, else the last open call; a delta with a
   * name and nothing to continue starts one. A call is emitted as soon as its arguments are a
   * complete JSON object, so the turn loop can start it while the model still streams.
   */
  private onToolCallDelta(part: Json): void {
    const index = typeof part.index === "number" ? part.index : undefined;
    const id = stringOr(part.id) || undefined;
    const fn = isRecord(part.function) ? part.function : {};
    const name = stringOr(fn.name)?.trim() || undefined;
    const args = stringOr(fn.arguments) ?? "";
    let call = this.findCall(index, id, name);
    if (call === undefined) {
      if (name === undefined) return;
      call = { index, id: id ?? `call_${++this.generatedIds}`, name, arguments: "", emitted: false };
      this.calls.push(call);
    }
    if (call.emitted) return;
    call.arguments += args;
    if (endsLikeObject(call.arguments)) {
      const input = parseObject(call.arguments);
      if (input !== undefined) this.emitCall(call, input);
    }
  }

  private findCall(index: number | undefined, id: string | undefined, name: string | undefined) {
    if (index !== undefined) {
      const atIndex = this.calls.findLast((call) => call.index === index);
      if (atIndex !== undefined) return id && name && id !== atIndex.id ? undefined : atIndex;
    }
    if (id !== undefined) return this.calls.find((call) => call.id === id);
    return name === undefined && index === undefined
      ? this.calls.findLast((call) => !call.emitted)
      : undefined;
  }

  private emitCall(call: PendingCall, input: unknown = parseInput(call.arguments)): void {
    call.emitted = true;
    this.out.push({ type: "tool-call", toolCallId: call.id, toolName: call.name, input });
  }
}

/** Cheap pre-check before a full parse: the arguments end with `}` (trailing whitespace allowed). */
function endsLikeObject(text: string): boolean {
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 0x7d) return true; // }
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return false;
}

/** The arguments as an object once they are complete, else `undefined`. */
function parseObject(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A tool call's JSON arguments as a value; empty means `{}`, invalid JSON passes through as the raw string. */
function parseInput(input: string): unknown {
  if (input.trim() === "") return {};
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}
