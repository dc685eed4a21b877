/**
 * Our history (`ChatMessage[]` of wire chunks) and tool specs, converted to the AI SDK's
 * language-model prompt and function tools. The conversion also makes the history provider-valid:
 * `error`, `system` and other non-model chunks are dropped, empty messages vanish, and tool calls
 * and results are paired.
 */
import type { ToolSpec } from "@dispatch/kernel";
import type { ChatMessage, Chunk } from "@dispatch/wire";
import type { FunctionTool, Prompt, PromptMessage } from "./model-types.ts";

/** What a tool result says when the history holds a call without one (an interrupted turn). */
export const MISSING_TOOL_RESULT = "No result: the tool call was interrupted before it finished.";

type PartOf<R extends PromptMessage["role"]> = Extract<PromptMessage, { role: R }>["content"] extends
  | (infer P)[]
  | string
  ? P
  : never;
type AssistantPart = PartOf<"assistant">;
type UserPart = PartOf<"user">;
type ToolResultPart = Extract<PartOf<"tool">, { type: "tool-result" }>;

/** Converts the history to the model prompt, led by the system prompt when there is one. */
export function toPrompt(messages: readonly ChatMessage[], systemPrompt?: string): Prompt {
  const answered = new Set<string>();
  for (const message of messages) {
    for (const chunk of message.chunks) if (chunk.type === "tool-result") answered.add(chunk.toolCallId);
  }
  const called = new Set<string>();
  const out: Prompt = systemPrompt ? [{ role: "system", content: systemPrompt }] : [];
  for (const message of messages) {
    const missing: ToolResultPart[] = [];
    if (message.role === "assistant") {
      const content = assistantParts(message.chunks);
      if (content.length > 0) out.push({ role: "assistant", content });
      for (const part of content) {
        if (part.type !== "tool-call") continue;
        called.add(part.toolCallId);
        if (!answered.has(part.toolCallId)) missing.push(interruptedResult(part));
      }
    } else if (message.role === "user") {
      const content = userParts(message.chunks);
      if (content.length > 0) out.push({ role: "user", content });
    } else if (message.role === "system") {
      const text = textOf(message.chunks);
      if (text !== "") out.push({ role: "system", content: text });
    }
    const results = [...toolResultParts(message.chunks, called), ...missing];
    if (results.length > 0) out.push({ role: "tool", content: results });
  }
  return out;
}

/** Converts tool specs to function tools, in the given order (the turn loop runs them). */
export function toFunctionTools(specs: readonly ToolSpec[]): FunctionTool[] {
  return specs.map((spec) => ({
    type: "function",
    name: spec.name,
    description: spec.description,
    inputSchema: spec.inputSchema as FunctionTool["inputSchema"],
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

function assistantParts(chunks: readonly Chunk[]): AssistantPart[] {
  const parts: AssistantPart[] = [];
  for (const chunk of chunks) {
    if (chunk.type === "text" && chunk.text !== "") parts.push({ type: "text", text: chunk.text });
    else if (chunk.type === "thinking" && chunk.text !== "")
      parts.push({ type: "reasoning", text: chunk.text });
    else if (chunk.type === "tool-call") {
      parts.push({
        type: "tool-call",
        toolCallId: chunk.toolCallId,
        toolName: chunk.toolName,
        input: sanitizeToolInput(chunk.input),
      });
    }
  }
  return parts;
}

function userParts(chunks: readonly Chunk[]): UserPart[] {
  const parts: UserPart[] = [];
  for (const chunk of chunks) {
    if (chunk.type === "text" && chunk.text !== "") parts.push({ type: "text", text: chunk.text });
    else if (chunk.type === "image") parts.push(imagePart(chunk.url, chunk.mimeType));
  }
  return parts;
}

/**
 * An absolute http(s) or data URL goes to the model as an image URL (never downloaded here);
 * anything else becomes a note.
 */
function imagePart(url: string, mimeType: string | undefined): UserPart {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed && ["http:", "https:", "data:"].includes(parsed.protocol)) {
    return { type: "file", data: { type: "url", url: parsed }, mediaType: mimeType ?? "image" };
  }
  return { type: "text", text: `[image ${url} is not reachable by the model]` };
}

function toolResultParts(chunks: readonly Chunk[], called: Set<string>): ToolResultPart[] {
  const parts: ToolResultPart[] = [];
  for (const chunk of chunks) {
    // A result without an earlier call (or a second result for one) would be rejected by the provider.
    if (chunk.type !== "tool-result" || !called.has(chunk.toolCallId)) continue;
    called.delete(chunk.toolCallId);
    parts.push({
      type: "tool-result",
      toolCallId: chunk.toolCallId,
      toolName: chunk.toolName,
      output: { type: chunk.isError ? "error-text" : "text", value: chunk.content },
    });
  }
  return parts;
}

function interruptedResult(call: { toolCallId: string; toolName: string }): ToolResultPart {
  return {
    type: "tool-result",
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    output: { type: "error-text", value: MISSING_TOOL_RESULT },
  };
}

function textOf(chunks: readonly Chunk[]): string {
  return chunks
    .flatMap((chunk) => (chunk.type === "text" ? [chunk.text] : []))
    .join("")
    .trim();
}
