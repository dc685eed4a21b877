/**
 * Skills on a real tree: discovery of Agent Skills and `.skills/` files in the cwd and home (cwd
 * shadows home; bad names and escaping symlinks skipped), `load_skill` with bundled files and
 * containment, the front-matter parsers, and the per-turn description through a real host's
 * `toolsFilter`.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, nullLogger } from "@dispatch/kernel";
import { toolsFilter } from "@dispatch/session-orchestrator";
import { createTestToolContext } from "@dispatch/tool-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverSkills } from "./discovery.ts";
import { createSkillsExtension } from "./extension.ts";
import { createLoadSkillTool } from "./load-skill-tool.ts";
import { parseAgentSkill, parseReferenceSkill } from "./skill-format.ts";

let base: string;
let cwd: string;
let home: string;
let emptyHome: string;

async function put(path: string, content: string): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, content);
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "skills-"));
  cwd = join(base, "project");
  home = join(base, "home");
  emptyHome = join(base, "empty-home");
  await mkdir(emptyHome);
  await put(
    join(cwd, ".agents/skills/deploy/SKILL.md"),
    "---\nname: deploy\ndescription: >\n  Deploy the app to staging.\n  Use when asked to ship.\n---\n# Deploy\nRun scripts/run.sh.\n",
  );
  await put(join(cwd, ".agents/skills/deploy/references/guide.md"), "Deployment guide text");
  await put(join(cwd, ".agents/skills/deploy/scripts/run.sh"), "#!/bin/sh\necho deploying\n");
  await put(
    join(cwd, "skills/review/SKILL.md"),
    "---\nname: review\ndescription: Review a pull request.\n---\nCheck tests.\n",
  );
  await put(join(cwd, ".skills/quick.md"), "Use for quick fixes\n---\nJust fix it.\n");
  await put(join(cwd, ".skills/nested/deeper.md"), "Nested reference skill\n---\nDeep body.\n");
  await put(join(cwd, ".skills/nohdr.md"), "No header here.\nSecond line.\n");
  await put(join(cwd, ".agents/skills/Bad Name/SKILL.md"), "---\ndescription: bad\n---\nx\n");
  await put(join(base, "outside/evil/SKILL.md"), "---\ndescription: escaped\n---\nSECRET\n");
  await symlink(join(base, "outside/evil"), join(cwd, ".agents/skills/evil"));
  await put(join(base, "secret.txt"), "TOP SECRET");
  await put(
    join(home, ".agents/skills/deploy/SKILL.md"),
    "---\ndescription: Home deploy\n---\nHOME VERSION\n",
  );
  await put(join(home, ".skills/homeonly.md"), "Only at home\n---\nHome body.\n");
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("discoverSkills", () => {
  it("finds both formats in the cwd and home, cwd first, and skips bad names and escapes", async () => {
    const skills = await discoverSkills(cwd, home);
    expect(skills.map((s) => [s.name, s.summary, s.label])).toEqual([
      ["deeper", "Nested reference skill", ".skills/nested/deeper.md"],
      ["deploy", "Deploy the app to staging. Use when asked to ship.", ".agents/skills/deploy/SKILL.md"],
      ["homeonly", "Only at home", "~/.skills/homeonly.md"],
      ["nohdr", undefined, ".skills/nohdr.md"],
      ["quick", "Use for quick fixes", ".skills/quick.md"],
      ["review", "Review a pull request.", "skills/review/SKILL.md"],
    ]);
  });

  it("works without a cwd (home skills only)", async () => {
    expect((await discoverSkills(undefined, home)).map((s) => s.name)).toEqual(["deploy", "homeonly"]);
    expect(await discoverSkills(undefined, emptyHome)).toEqual([]);
  });
});

describe("load_skill", () => {
  const tool = () => createLoadSkillTool({ homeDir: home });
  const ctx = () => createTestToolContext({ cwd });

  it("returns an Agent Skill's body and lists its bundled files", async () => {
    const result = await tool().execute({ name: "deploy" }, ctx());
    expect(result.content).toBe(
      'Skill "deploy" (.agents/skills/deploy/SKILL.md):\n\n# Deploy\nRun scripts/run.sh.\n\nFiles bundled with this skill (load one with load_skill {"name": "deploy", "file": "<path>"}):\n- references/guide.md\n- scripts/run.sh',
    );
  });

  it("loads a bundled file, and refuses paths leaving the skill", async () => {
    const file = await tool().execute({ name: "deploy", file: "references/guide.md" }, ctx());
    expect(file.content).toBe('File references/guide.md of skill "deploy":\n\nDeployment guide text');
    for (const outside of ["../../../../secret.txt", "/etc/passwd", "../review/SKILL.md"]) {
      const refused = await tool().execute({ name: "deploy", file: outside }, ctx());
      expect(refused.isError).toBe(true);
      expect(refused.content).not.toContain("TOP SECRET");
    }
  });

  it("returns a reference-format skill without its header", async () => {
    expect((await tool().execute({ name: "quick" }, ctx())).content).toBe(
      'Skill "quick" (.skills/quick.md):\n\nJust fix it.',
    );
    expect((await tool().execute({ name: "homeonly" }, ctx())).content).toContain("(~/.skills/homeonly.md)");
  });

  it("refuses bad names, unknown skills and escaped skills, naming what exists", async () => {
    for (const name of ["../secret", "a/b", "..", "x\\y"]) {
      const result = await tool().execute({ name }, ctx());
      expect(result.content).toContain("is not a skill name");
    }
    const unknown = await tool().execute({ name: "evil" }, ctx());
    expect(unknown.content).toBe(
      'There is no skill named "evil". Available: deeper, deploy, homeonly, nohdr, quick, review.',
    );
  });
});

describe("skill formats", () => {
  it("parse front matter and the reference header", () => {
    expect(parseAgentSkill("---\nname: x\ndescription: Does x.\n---\nBody\n")).toEqual({
      name: "x",
      summary: "Does x.",
      body: "Body\n",
    });
    expect(parseAgentSkill("no front matter")).toEqual({ body: "no front matter" });
    expect(parseAgentSkill("---\n: : bad yaml [\n---\nBody")).toEqual({ body: "Body" });
    expect(parseReferenceSkill("Summary\n---\nBody")).toEqual({ summary: "Summary", body: "Body" });
    expect(parseReferenceSkill("Plain\ntext")).toEqual({ body: "Plain\ntext" });
  });
});

describe("createSkillsExtension", () => {
  it("lists the cwd's skills in load_skill's description per turn, and drops the tool when there are none", async () => {
    const host = createHost({
      extensions: [createSkillsExtension({ homeDir: emptyHome })],
      logger: nullLogger,
      now: Date.now,
      sleep: (ms) => Bun.sleep(ms),
    });
    await host.activate();
    const withSkills = await host.api.applyFilters(toolsFilter, {
      tools: [...host.api.tools()],
      conversationId: "c1",
      cwd,
    });
    const described = withSkills.tools.find((t) => t.name === "load_skill");
    expect(described?.description).toBe(
      "Load a skill: instructions the user or the project wrote for a kind of task. Load one when the task matches its description, then follow it.\n\nAvailable skills:\n- deeper: Nested reference skill\n- deploy: Deploy the app to staging. Use when asked to ship.\n- nohdr\n- quick: Use for quick fixes\n- review: Review a pull request.",
    );
    const result = await described?.execute({ name: "review" }, createTestToolContext({ cwd }));
    expect(result?.content).toContain("Check tests.");
    const without = await host.api.applyFilters(toolsFilter, {
      tools: [...host.api.tools()],
      conversationId: "c2",
      cwd: emptyHome,
    });
    expect(without.tools.map((t) => t.name)).toEqual([]);
    await host.deactivate();
  });
});
