/**
 * `@dispatch/system-prompt`: the system prompt template language (pure), its variable catalog, and
 * the extension that builds each conversation's prompt once and keeps it byte-stable.
 * @module
 */
export {
  createSystemPrompt,
  SYSTEM_PROMPT_MIGRATIONS,
  SYSTEM_PROMPT_OWNER,
  type SystemPromptOptions,
} from "./builder.ts";
export { type SystemPromptVariable, VARIABLE_CATALOG, VARIABLE_TYPES } from "./catalog.ts";
export { DEFAULT_TEMPLATE } from "./default-template.ts";
export { createSystemPromptExtension, type SystemPromptExtensionOptions } from "./extension.ts";
export {
  createGitCache,
  DEFAULT_GIT_CACHE_TTL_MS,
  type GitCache,
  type GitCacheOptions,
} from "./git-cache.ts";
export {
  type ConditionalNode,
  expandTemplate,
  parseTemplate,
  renderTemplate,
  type TemplateNode,
  templateKeys,
  type VariableLookup,
} from "./template.ts";
export { type SystemPromptService, systemPromptService } from "./types.ts";
export {
  INSTRUCTION_FILES,
  MAX_FILE_BYTES,
  MAX_INSTRUCTIONS_BYTES,
  type ResolveOptions,
  readContained,
  resolveVariables,
  type VariableContext,
} from "./variables.ts";
