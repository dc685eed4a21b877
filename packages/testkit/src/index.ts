/**
 * Test kit shared by test suites and benchmarks: a scripted OpenAI-compatible streaming model
 * server and helpers to script its replies.
 * @module
 */
export {
  errorReply,
  type Reply,
  type ScriptedToolCall,
  type ScriptedUsage,
  splitEven,
  splitTokens,
  textReply,
  toolCallReply,
} from "./reply.ts";
export {
  type ModelEntry,
  type ModelsScript,
  preciseNow,
  type RecordedRequest,
  type ScriptedModel,
  type ScriptedModelOptions,
  startScriptedModel,
} from "./scripted-model.ts";
