/**
 * Finds the skills available for a working directory: Agent Skills in `.agents/skills/<name>/` and
 * `skills/<name>/` (a directory holding `SKILL.md`), and the reference's `.skills/` (recursive
 * `<name>.md`, or `<name>/SKILL.md`), first in the cwd and then in the user's home; the first
 * skill of a name wins, so the cwd shadows home. Every file is checked to stay inside its source.
 */
import { statSync } from "node:fs";
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

/**
 * What a scan looked at: each directory it listed and each skill file it probed, with its
 * `signatureOf` taken just before (so a change during the scan shows up as a difference later).
 */
export type ScanStamps = Map<string, string>;

/** The skills for `cwd` (which may be absent) and `homeDir`, sorted by name; `stamps` collects what was read. */
export async function discoverSkills(
  cwd: string | undefined,
  homeDir: string | undefined,
  stamps?: ScanStamps,
): Promise<SkillEntry[]> {
  const found = new Map<string, SkillEntry>();
  const bases: [string, string][] = [];
  if (cwd) bases.push([cwd, ""]);
  if (homeDir && homeDir !== cwd) bases.push([homeDir, "~/"]);
  for (const [base, prefix] of bases) {
    for (const source of SKILL_SOURCES) {
      const dir = posix.join(base, source);
      const signature = signatureOf(dir);
      stamps?.set(dir, signature);
      // A missing source (the usual case) needs no async round trip.
      if (signature === "-") continue;
      const entries = await scanSource(dir, `${prefix}${source}`, source === ".skills", stamps);
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

/**
 * A cheap fingerprint of a path (inode, mtime, size; `-` when absent): a directory's changes when
 * entries are added, removed or renamed in it, a file's when it is rewritten.
 */
export function signatureOf(path: string): string {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats ? `${stats.ino}:${stats.mtimeMs}:${stats.size}` : "-";
  } catch (err) {
    return `!${(err as NodeJS.ErrnoException).code ?? "error"}`;
  }
}

async function scanSource(
  dir: string,
  label: string,
  referenceFormat: boolean,
  stamps: ScanStamps | undefined,
): Promise<SkillEntry[]> {
  const scope = await createScope(dir).catch(() => undefined);
  if (scope === undefined) return [];
  const out: SkillEntry[] = [];
  const visit = async (relative: string, depth: number): Promise<void> => {
    const listed = posix.join(scope.cwd, relative);
    stamps?.set(listed, signatureOf(listed));
    const entries = await readdir(listed, { withFileTypes: true }).catch(() => []);
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
    const probed = posix.join(scope.cwd, relative);
    stamps?.set(probed, signatureOf(probed));
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
