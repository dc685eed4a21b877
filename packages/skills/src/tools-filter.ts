/**
 * The per-turn rewrite of `load_skill`: its description lists the skills available for the turn's
 * cwd (cwd skills shadow home skills), and the tool is dropped when there are none. Registered on
 * the orchestrator's `toolsFilter`. The list is sorted and stable, so the prompt prefix stays
 * cacheable while the skills do not change; it is rescanned only when a source changed (`catalog.ts`).
 */
import type { ToolAssembly } from "@dispatch/session-orchestrator";
import { createSkillCatalog, type SkillCatalog } from "./catalog.ts";
import type { SkillEntry } from "./discovery.ts";
import { BASE_DESCRIPTION, LOAD_SKILL } from "./load-skill-tool.ts";

const MAX_LISTED_SKILLS = 100;
const MAX_SUMMARY_CHARS = 300;

/** The tool description for a catalog. */
export function renderDescription(skills: readonly SkillEntry[]): string {
  const lines = [BASE_DESCRIPTION, "", "Available skills:"];
  for (const skill of skills.slice(0, MAX_LISTED_SKILLS)) {
    const summary = skill.summary ? `: ${truncate(skill.summary, MAX_SUMMARY_CHARS)}` : "";
    lines.push(`- ${skill.name}${summary}`);
  }
  if (skills.length > MAX_LISTED_SKILLS) lines.push(`(${skills.length - MAX_LISTED_SKILLS} more not listed)`);
  return lines.join("\n");
}

/** The filter function for `toolsFilter`; skill lists are remembered per (cwd, home) in `catalog` (default: its own). */
export function createSkillsToolsFilter(options: {
  homeDir?: string;
  catalog?: SkillCatalog;
}): (assembly: ToolAssembly) => Promise<ToolAssembly> {
  const catalog = options.catalog ?? createSkillCatalog();
  return async function skillsToolsFilter(assembly) {
    const index = assembly.tools.findIndex((tool) => tool.name === LOAD_SKILL);
    const tool = assembly.tools[index];
    if (tool === undefined) return assembly;
    const skills = await catalog.skills(assembly.cwd, options.homeDir);
    const tools = [...assembly.tools];
    if (skills.length === 0) tools.splice(index, 1);
    else tools[index] = { ...tool, description: renderDescription(skills) };
    return { ...assembly, tools };
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
