/**
 * OpenAI-compatible providers on the Vercel AI SDK: the extension, the provider factory, and the
 * conversions it is built from.
 * @module
 */
export type { FetchLike } from "./call-watch.ts";
export { MISSING_TOOL_RESULT, sanitizeToolInput, toFunctionTools, toPrompt } from "./convert-messages.ts";
export type { ProviderErrorCode } from "./errors.ts";
export {
  createOpenAICompatProviderExtension,
  type OpenAICompatProviderExtensionOptions,
} from "./extension.ts";
export { parseModelList } from "./list-models.ts";
export { toReasoningEffort } from "./map-parts.ts";
export type { FunctionTool, Prompt, PromptMessage } from "./model-types.ts";
export {
  createOpenAICompatProvider,
  DEFAULT_TIMEOUT_MS,
  type OpenAICompatProviderOptions,
} from "./provider.ts";
