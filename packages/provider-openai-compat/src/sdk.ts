/**
 * The AI SDK values the provider runs on, in one module that `provider.ts` imports on the first
 * call: the SDK is a large share of the daemon's start-up time and idle memory, and a daemon that
 * never chats never needs it. Types come from `model-types.ts` without loading anything.
 */
export { createOpenAICompatible } from "@ai-sdk/openai-compatible";
export { APICallError } from "ai";
