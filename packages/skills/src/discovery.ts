/**
 * Finds the skills available for a working directory: Agent Skills in `.agents/skills/<name>/` and
 * `skills/<name>/` (a directory holding `SKILL.md`), and the reference's `.skills/` (recursive
 * `<name>.md`, or `<name>/SKILL.md`), first in the cwd and then in the user's home; the first
 * skill of a name wins, so the cwd shadows home. Every file is checked to stay inside its source.
 */
import { readdir } from "node:fs/promises";
import { posix } from "node:path";
import { createScope, openVerified, resolveInScope, ToolFailure } from "@dispatch/tool-kit";
import { isSkillName, type ParsedSkill, parseAgentSkill, parseReferenceSkill } from "./skill-format.ts";

/** One discovered skill. */
export interface SkillEntry {
  name: string;
  summary?: string;
  format: "agent-skill" | "reference";
  /** Real path of the skill file. */
  file: string;
  /** Real path of the source directory (`…/.agents/skills`, `…/skills` or `…/.skills`). */
  source: string;
  /** How to show the skill file: `~/…` for home, relative for the cwd. */
  label: string;
}

/** Skill directories under a base, in priority order. */
export const SKILL_SOURCES = [".agents/skills", "skills", ".skills"] as const;

const MAX_DEPTH = 4;
const MAX_FILE_BYTES = 256 * 1024;

/** The skills for `cwd` (which may be absent) and `homeDir`, sorted by name. */
export async function discoverSkills(
  cwd: string | undefined,
  homeDir: string | undefined,
): Promise<SkillEntry[]> {
  const found = new Map<string, SkillEntry>();
  const bases: [string, string][] = [];
  if (cwd) bases.push([cwd, ""]);
  if (homeDir && homeDir !== cwd) bases.push([homeDir, "~/"]);
  for (const [base, prefix] of bases) {
    for (const source of SKILL_SOURCES) {
      const entries = await scanSource(posix.join(base, source), `${prefix}${source}`, source === ".skills");
      for (const entry of entries) if (!found.has(entry.name)) found.set(entry.name, entry);
    }
  }
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Reads a skill file (contained in its source) and parses it. */
export async function readSkill(entry: SkillEntry): Promise<ParsedSkill> {
  const text = new TextDecoder().decode(
    await readContained(entry.source, posix.relative(entry.source, entry.file)),
  );
  return entry.format === "agent-skill" ? parseAgentSkill(text) : parseReferenceSkill(text);
}

/** Reads the file at `relative` inside `root`, refusing anything that leaves it. */
export async function readContained(root: string, relative: string): Promise<Uint8Array> {
  const scope = await createScope(root);
  const resolved = await resolveInScope(scope, relative, false);
  if (resolved.kind !== "file") throw new ToolFailure("NOT_A_FILE", `${relative} is not a file.`);
  const opened = await openVerified(resolved, "file");
  try {
    if (opened.stats.size > MAX_FILE_BYTES) {
      throw new ToolFailure("TOO_LARGE", `${relative} is larger than ${MAX_FILE_BYTES / 1024} KiB.`);
    }
    return new Uint8Array(await opened.handle.readFile());
  } finally {
    await opened.close();
  }
}

async function scanSource(dir: string, label: string, referenceFormat: boolean): Promise<SkillEntry[]> {
  const scope = await createScope(dir).catch(() => undefined);
  if (scope === undefined) return [];
  const out: SkillEntry[] = [];
  const visit = async (relative: string, depth: number): Promise<void> => {
    const entries = await readdir(posix.join(scope.cwd, relative), { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      const isDir = entry.isDirectory() || entry.isSymbolicLink();
      if (isDir && isSkillName(entry.name)) {
        const skill = await candidate(`${path}/SKILL.md`, entry.name, "agent-skill");
        if (skill) out.push(skill);
        else if (referenceFormat && depth < MAX_DEPTH) await visit(path, depth + 1);
      } else if (referenceFormat && entry.name.endsWith(".md") && entry.name !== "SKILL.md") {
        const name = entry.name.slice(0, -3);
        if (isSkillName(name)) {
          const skill = await candidate(path, name, "reference");
          if (skill) out.push(skill);
        }
      }
    }
  };
  const candidate = async (
    relative: string,
    name: string,
    format: SkillEntry["format"],
  ): Promise<SkillEntry | undefined> => {
    try {
      const resolved = await resolveInScope(scope, relative, false);
      if (resolved.kind !== "file") return undefined;
      const entry: SkillEntry = {
        name,
        format,
        file: resolved.real,
        source: scope.cwd,
        label: `${label}/${relative}`,
      };
      const parsed = await readSkill(entry);
      return parsed.summary ? { ...entry, summary: parsed.summary } : entry;
    } catch {
      // Missing, escaping its source, unreadable: not a skill.
      return undefined;
    }
  };
  await visit("", 0);
  return out;
}
