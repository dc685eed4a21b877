/**
 * OpenAI-compatible providers: the extension, the provider factory, and the conversions it is
 * built from.
 * @module
 */
export type { FetchLike } from "./call-watch.ts";
export {
  MISSING_TOOL_RESULT,
  type OpenAIContentPart,
  type OpenAIFunctionTool,
  type OpenAIMessage,
  type OpenAIToolCall,
  sanitizeToolInput,
  toChatMessages,
  toFunctionTools,
} from "./convert-messages.ts";
export type { ProviderErrorCode } from "./errors.ts";
export {
  createOpenAICompatProviderExtension,
  type OpenAICompatProviderExtensionOptions,
} from "./extension.ts";
export { parseModelList } from "./list-models.ts";
export { toReasoningEffort } from "./map-parts.ts";
export {
  createOpenAICompatProvider,
  DEFAULT_TIMEOUT_MS,
  type OpenAICompatProviderOptions,
} from "./provider.ts";
