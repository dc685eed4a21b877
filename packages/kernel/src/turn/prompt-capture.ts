/**
 * The body of each step's `prompt` span: `{systemPrompt, messages, tools}` as JSON. Each message is
 * serialized once and its JSON reused by later steps (messages are never changed once in the
 * history), so a long turn does not re-serialize its whole, growing history at every step.
 */
import type { ChatMessage } from "@dispatch/wire";
import type { ToolSpec } from "../contracts/tool.ts";
import { errorMessage } from "../errors.ts";

/** Renders the prompt body of one step. Contract: never throws. */
export type PromptCapture = (messages: readonly ChatMessage[]) => string;

/** A capture for one turn's system prompt and tools. */
export function createPromptCapture(
  systemPrompt: string | undefined,
  tools: readonly ToolSpec[],
): PromptCapture {
  const cache = new WeakMap<ChatMessage, string>();
  const json = (message: ChatMessage): string => {
    let text = cache.get(message);
    if (text === undefined) {
      text = JSON.stringify(message);
      cache.set(message, text);
    }
    return text;
  };
  const head = systemPrompt === undefined ? "{" : `{"systemPrompt":${JSON.stringify(systemPrompt)},`;
  let tail: string | undefined;
  return (messages) => {
    try {
      tail ??= `],"tools":${JSON.stringify(tools)}}`;
      return `${head}"messages":[${messages.map(json).join(",")}${tail}`;
    } catch (err) {
      return JSON.stringify({ error: `prompt could not be serialized: ${errorMessage(err)}` });
    }
  };
}
