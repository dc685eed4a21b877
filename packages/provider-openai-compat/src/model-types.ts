/**
 * The AI SDK's language-model specification types this provider speaks (`LanguageModelV4` call
 * options, prompt and stream parts), derived from `@ai-sdk/openai-compatible`'s chat model so the
 * package needs no direct dependency on `@ai-sdk/provider`.
 */
import type { createOpenAICompatible } from "@ai-sdk/openai-compatible";

/** An OpenAI-compatible chat model (`LanguageModelV4`). */
export type ChatModel = ReturnType<ReturnType<typeof createOpenAICompatible>["chatModel"]>;
/** What `doStream` takes. */
export type CallOptions = Parameters<ChatModel["doStream"]>[0];
/** The prompt: system, user, assistant and tool messages with typed parts. */
export type Prompt = CallOptions["prompt"];
/** One prompt message. */
export type PromptMessage = Prompt[number];
/** A tool as the model is told about it. */
export type FunctionTool = Extract<NonNullable<CallOptions["tools"]>[number], { type: "function" }>;
/** One part of the model's stream. */
export type StreamPart =
  Awaited<ReturnType<ChatModel["doStream"]>>["stream"] extends ReadableStream<infer P> ? P : never;
/** The usage reported on the `finish` part. */
export type ModelUsage = Extract<StreamPart, { type: "finish" }>["usage"];
