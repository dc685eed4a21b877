/**
 * The `load_skill` tool: returns a skill's instructions (and, for Agent Skills, the list of its
 * bundled files, each loadable with `file`). Names are validated and every path stays inside the
 * skill's directory.
 */
import { readdir } from "node:fs/promises";
import { posix } from "node:path";
import type { Tool } from "@dispatch/kernel";
import { capHead, DEFAULT_MAX_OUTPUT_CHARS, defineTool, looksBinary, ToolFailure } from "@dispatch/tool-kit";
import { z } from "zod";
import { discoverSkills, readContained, readSkill, type SkillEntry } from "./discovery.ts";
import { isSkillName } from "./skill-format.ts";

/** What `createLoadSkillTool` needs. */
export interface LoadSkillToolOptions {
  /** The user's home directory (skills under `~/.agents/skills`, `~/skills`, `~/.skills`). */
  homeDir?: string;
}

/** The tool's name, for the per-turn description filter. */
export const LOAD_SKILL = "load_skill";

const MAX_LISTED_FILES = 50;

const input = z.object({
  name: z.string().min(1).describe("The skill's name, as listed in this tool's description."),
  file: z
    .string()
    .min(1)
    .optional()
    .describe(
      "A file bundled with the skill (a path from the skill's file list), instead of its instructions.",
    ),
});

/** The static description; the skills filter rewrites it per turn with the available skills. */
export const BASE_DESCRIPTION =
  "Load a skill: instructions the user or the project wrote for a kind of task. Load one when the task matches its description, then follow it.";

/** The `load_skill` tool. */
export function createLoadSkillTool(options: LoadSkillToolOptions = {}): Tool {
  return defineTool({
    name: LOAD_SKILL,
    description: BASE_DESCRIPTION,
    input,
    concurrencySafe: true,
    async execute(args, ctx) {
      if (!isSkillName(args.name)) {
        throw new ToolFailure(
          "BAD_SKILL_NAME",
          `"${args.name}" is not a skill name (letters, digits, ".", "_" and "-", no "/" or ".."). Use a name from this tool's description.`,
        );
      }
      const skills = await discoverSkills(ctx.cwd, options.homeDir);
      const skill = skills.find((entry) => entry.name === args.name);
      if (skill === undefined) {
        const names = skills.map((entry) => entry.name).join(", ");
        throw new ToolFailure(
          "UNKNOWN_SKILL",
          `There is no skill named "${args.name}". ${names ? `Available: ${names}.` : "No skills are available here."}`,
        );
      }
      if (args.file !== undefined) return loadBundledFile(skill, args.file);
      const parsed = await readSkill(skill);
      const parts = [`Skill "${skill.name}" (${skill.label}):`, "", parsed.body.trim()];
      const files = skill.format === "agent-skill" ? await bundledFiles(posix.dirname(skill.file)) : [];
      if (files.length > 0) {
        parts.push(
          "",
          `Files bundled with this skill (load one with load_skill {"name": "${skill.name}", "file": "<path>"}):`,
          ...files.map((file) => `- ${file}`),
        );
      }
      return capHead(parts.join("\n"), DEFAULT_MAX_OUTPUT_CHARS);
    },
  });
}

async function loadBundledFile(skill: SkillEntry, file: string): Promise<string> {
  if (skill.format !== "agent-skill") {
    throw new ToolFailure("NO_FILES", `Skill "${skill.name}" is a single file; it has no bundled files.`);
  }
  const bytes = await readContained(posix.dirname(skill.file), file);
  if (looksBinary(bytes)) throw new ToolFailure("BINARY_FILE", `${file} is not a text file.`);
  const text = new TextDecoder().decode(bytes);
  return capHead(`File ${file} of skill "${skill.name}":\n\n${text}`, DEFAULT_MAX_OUTPUT_CHARS);
}

/** Paths of the files in a skill directory (besides SKILL.md), depth-first, capped. */
async function bundledFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => posix.relative(dir, posix.join(entry.parentPath, entry.name)))
    .filter((path) => path !== "SKILL.md" && !path.split("/").some((part) => part.startsWith(".")))
    .sort()
    .slice(0, MAX_LISTED_FILES);
}
