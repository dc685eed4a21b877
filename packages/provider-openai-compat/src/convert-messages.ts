/**
 * Our history (`ChatMessage[]` of wire chunks) and tool specs, converted to the OpenAI chat
 * completions shape. The conversion also makes the history provider-valid: `error`, `system` and
 * other non-model chunks are dropped, empty messages vanish, and tool calls and results are paired.
 */
import type { ToolSpec } from "@dispatch/kernel";
import type { ChatMessage, Chunk } from "@dispatch/wire";

/** What a tool result says when the history holds a call without one (an interrupted turn). */
export const MISSING_TOOL_RESULT = "No result: the tool call was interrupted before it finished.";

/** A user content part: text or an image by URL. */
export type OpenAIContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string } };

/** A tool call as the assistant message carries it (arguments as a JSON string). */
export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** One chat completions message. */
export type OpenAIMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | OpenAIContentPart[] }
  | {
      role: "assistant";
      content: string | null;
      reasoning_content?: string;
      tool_calls?: OpenAIToolCall[];
    }
  | { role: "tool"; tool_call_id: string; content: string };

/** A tool as the model is told about it. */
export interface OpenAIFunctionTool {
  type: "function";
  function: { name: string; description: string; parameters: unknown };
}

/** Converts the history to chat messages, led by the system prompt when there is one. */
export function toChatMessages(messages: readonly ChatMessage[], systemPrompt?: string): OpenAIMessage[] {
  const answered = new Set<string>();
  for (const message of messages) {
    for (const chunk of message.chunks) if (chunk.type === "tool-result") answered.add(chunk.toolCallId);
  }
  const called = new Set<string>();
  const out: OpenAIMessage[] = systemPrompt ? [{ role: "system", content: systemPrompt }] : [];
  for (const message of messages) {
    const missing: OpenAIMessage[] = [];
    if (message.role === "assistant") {
      const assistant = assistantMessage(message.chunks);
      if (assistant) {
        out.push(assistant);
        for (const call of assistant.tool_calls ?? []) {
          called.add(call.id);
          if (!answered.has(call.id)) {
            missing.push({ role: "tool", tool_call_id: call.id, content: MISSING_TOOL_RESULT });
          }
        }
      }
    } else if (message.role === "user") {
      const content = userContent(message.chunks);
      if (content) out.push({ role: "user", content });
    } else if (message.role === "system") {
      const text = textOf(message.chunks);
      if (text !== "") out.push({ role: "system", content: text });
    }
    for (const chunk of message.chunks) {
      // A result without an earlier call (or a second result for one) would be rejected by the provider.
      if (chunk.type !== "tool-result" || !called.has(chunk.toolCallId)) continue;
      called.delete(chunk.toolCallId);
      out.push({ role: "tool", tool_call_id: chunk.toolCallId, content: chunk.content });
    }
    out.push(...missing);
  }
  return out;
}

/** Converts tool specs to function tools, in the given order (the turn loop runs them). */
export function toFunctionTools(specs: readonly ToolSpec[]): OpenAIFunctionTool[] {
  return specs.map((spec) => ({
    type: "function",
    function: { name: spec.name, description: spec.description, parameters: spec.inputSchema },
  }));
}

/**
 * A stored tool-call input as a JSON object for the provider: a raw string (the model sent invalid
 * JSON) is parsed if possible, else replaced by `{}` so the history never trips a provider 400.
 */
export function sanitizeToolInput(input: unknown): unknown {
  let value = input;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
}

/** Text and reasoning joined, tool calls in order; `undefined` when nothing is left to send. */
function assistantMessage(
  chunks: readonly Chunk[],
): Extract<OpenAIMessage, { role: "assistant" }> | undefined {
  let text = "";
  let reasoning = "";
  const calls: OpenAIToolCall[] = [];
  for (const chunk of chunks) {
    if (chunk.type === "text") text += chunk.text;
    else if (chunk.type === "thinking") reasoning += chunk.text;
    else if (chunk.type === "tool-call") {
      calls.push({
        id: chunk.toolCallId,
        type: "function",
        function: { name: chunk.toolName, arguments: JSON.stringify(sanitizeToolInput(chunk.input)) },
      });
    }
  }
  if (text === "" && reasoning === "" && calls.length === 0) return undefined;
  return {
    role: "assistant",
    // With tool calls and no text the content is null, as OpenAI sends it.
    content: calls.length > 0 ? text || null : text,
    ...(reasoning !== "" ? { reasoning_content: reasoning } : {}),
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
  };
}

/** One text part is sent as a plain string; text with images as parts. */
function userContent(chunks: readonly Chunk[]): string | OpenAIContentPart[] | undefined {
  const parts: OpenAIContentPart[] = [];
  for (const chunk of chunks) {
    if (chunk.type === "text" && chunk.text !== "") parts.push({ type: "text", text: chunk.text });
    else if (chunk.type === "image") parts.push(imagePart(chunk.url));
  }
  if (parts.length === 0) return undefined;
  const [only] = parts;
  return parts.length === 1 && only?.type === "text" ? only.text : parts;
}

/**
 * An absolute http(s) or data URL goes to the model as an image URL (never downloaded here);
 * anything else becomes a note.
 */
function imagePart(url: string): OpenAIContentPart {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed && ["http:", "https:", "data:"].includes(parsed.protocol)) {
    return { type: "image_url", image_url: { url: parsed.href } };
  }
  return { type: "text", text: `[image ${url} is not reachable by the model]` };
}

function textOf(chunks: readonly Chunk[]): string {
  return chunks
    .flatMap((chunk) => (chunk.type === "text" ? [chunk.text] : []))
    .join("")
    .trim();
}
