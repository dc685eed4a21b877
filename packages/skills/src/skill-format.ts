/**
 * The two skill file formats, parsed without I/O. Agent Skills (`<name>/SKILL.md`): YAML front
 * matter with `name` and `description`, then the body. The reference's `.skills/<name>.md`: line 1
 * a one-line summary, line 2 `---`, then the body (a file without that header has no summary).
 */
import { z } from "zod";

/** A valid skill name: a file or directory name, no separators, no `..`. */
export const SKILL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Whether `name` can name a skill. */
export function isSkillName(name: string): boolean {
  return SKILL_NAME.test(name) && !name.includes("..");
}

/** A parsed skill file. */
export interface ParsedSkill {
  /** The front matter's `name` (Agent Skills only). */
  name?: string;
  /** The description (Agent Skills) or the summary line (reference format). */
  summary?: string;
  /** The instructions. */
  body: string;
}

const frontMatter = z.looseObject({
  name: z.string().optional(),
  description: z.string().optional(),
});

/** Parses an Agent Skills `SKILL.md`. A file without front matter is all body. */
export function parseAgentSkill(text: string): ParsedSkill {
  const normalized = text.replace(/^\uFEFF/, "").replaceAll("\r\n", "\n");
  if (!normalized.startsWith("---\n")) return { body: normalized };
  const end = normalized.indexOf("\n---", 3);
  if (end === -1) return { body: normalized };
  const yaml = normalized.slice(4, end);
  const afterFence = normalized.indexOf("\n", end + 4);
  const body = afterFence === -1 ? "" : normalized.slice(afterFence + 1);
  let meta: unknown;
  try {
    meta = Bun.YAML.parse(yaml);
  } catch {
    return { body };
  }
  const parsed = frontMatter.safeParse(meta);
  if (!parsed.success) return { body };
  const summary = parsed.data.description?.replace(/\s+/g, " ").trim();
  return {
    ...(parsed.data.name ? { name: parsed.data.name.trim() } : {}),
    ...(summary ? { summary } : {}),
    body,
  };
}

/** Parses a reference-format `.skills/<name>.md`. */
export function parseReferenceSkill(text: string): ParsedSkill {
  const lines = text.replaceAll("\r\n", "\n").split("\n");
  if (lines.length < 2 || lines[1]?.trim() !== "---") return { body: text };
  const summary = lines[0]?.trim();
  return { ...(summary ? { summary } : {}), body: lines.slice(2).join("\n") };
}
