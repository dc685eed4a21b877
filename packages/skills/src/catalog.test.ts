/**
 * The remembered skill lists on a real tree: a second turn reuses the first scan (the very same
 * array) while nothing changed, and every kind of change is seen on the next call — a new skill
 * directory, an edited SKILL.md, a source created after the first scan, a nested `.skills/` file,
 * a removed skill. Concurrent calls share one scan; the least recently used pair is forgotten.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSkillCatalog } from "./catalog.ts";

let base: string;
let cwd: string;
let home: string;

async function put(path: string, content: string): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, content);
}

const agentSkill = (description: string) => `---\ndescription: ${description}\n---\nBody.\n`;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "skills-catalog-"));
  cwd = join(base, "project");
  home = join(base, "home");
  await mkdir(home, { recursive: true });
  await put(join(cwd, ".agents/skills/deploy/SKILL.md"), agentSkill("Deploy it."));
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const summaries = (skills: { name: string; summary?: string }[]) =>
  skills.map((skill) => `${skill.name}: ${skill.summary ?? ""}`);

describe("createSkillCatalog", () => {
  it("reuses the scan while nothing changed", async () => {
    const catalog = createSkillCatalog();
    const first = await catalog.skills(cwd, home);
    expect(summaries(first)).toEqual(["deploy: Deploy it."]);
    expect(await catalog.skills(cwd, home)).toBe(first);
  });

  it("sees a new skill, an edited description and a removed skill", async () => {
    const catalog = createSkillCatalog();
    await catalog.skills(cwd, home);
    await put(join(cwd, ".agents/skills/review/SKILL.md"), agentSkill("Review it."));
    expect(summaries(await catalog.skills(cwd, home))).toEqual(["deploy: Deploy it.", "review: Review it."]);
    await writeFile(join(cwd, ".agents/skills/deploy/SKILL.md"), agentSkill("Deploy it to staging."));
    expect(summaries(await catalog.skills(cwd, home))).toEqual([
      "deploy: Deploy it to staging.",
      "review: Review it.",
    ]);
    await rm(join(cwd, ".agents/skills/review"), { recursive: true });
    expect(summaries(await catalog.skills(cwd, home))).toEqual(["deploy: Deploy it to staging."]);
  });

  it("sees a SKILL.md added to an existing directory, a source created later and a nested reference skill", async () => {
    await mkdir(join(cwd, ".agents/skills/later"));
    const catalog = createSkillCatalog();
    expect(summaries(await catalog.skills(cwd, home))).toEqual(["deploy: Deploy it."]);
    await writeFile(join(cwd, ".agents/skills/later/SKILL.md"), agentSkill("Came later."));
    await put(join(home, "skills/homely/SKILL.md"), agentSkill("From home."));
    expect(summaries(await catalog.skills(cwd, home))).toEqual([
      "deploy: Deploy it.",
      "homely: From home.",
      "later: Came later.",
    ]);
    await mkdir(join(cwd, ".skills/nested"), { recursive: true });
    const before = await catalog.skills(cwd, home);
    await writeFile(join(cwd, ".skills/nested/deep.md"), "Deep one\n---\nBody.\n");
    const after = await catalog.skills(cwd, home);
    expect(after).not.toBe(before);
    expect(summaries(after)).toContain("deep: Deep one");
  });

  it("shares one scan between concurrent calls and forgets the least recently used pair", async () => {
    const catalog = createSkillCatalog(1);
    const [a, b] = await Promise.all([catalog.skills(cwd, home), catalog.skills(cwd, home)]);
    expect(a).toBe(b);
    expect(await catalog.skills(home, undefined)).toEqual([]);
    const again = await catalog.skills(cwd, home);
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
  });
});
