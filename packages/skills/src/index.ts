/**
 * skills: skill discovery, the `load_skill` tool, its per-turn description filter and its extension.
 * @module
 */
export { createSkillCatalog, DEFAULT_CATALOG_ENTRIES, type SkillCatalog } from "./catalog.ts";
export {
  discoverSkills,
  readSkill,
  type ScanStamps,
  SKILL_SOURCES,
  type SkillEntry,
  signatureOf,
} from "./discovery.ts";
export { createSkillsExtension, type SkillsExtensionOptions } from "./extension.ts";
export {
  BASE_DESCRIPTION,
  createLoadSkillTool,
  LOAD_SKILL,
  type LoadSkillToolOptions,
} from "./load-skill-tool.ts";
export {
  isSkillName,
  type ParsedSkill,
  parseAgentSkill,
  parseReferenceSkill,
  SKILL_NAME,
} from "./skill-format.ts";
export { createSkillsToolsFilter, renderDescription } from "./tools-filter.ts";
