/**
 * The system prompt as the model receives it through the daemon: byte-identical across the turns
 * (and steps) of a conversation until its cwd changes, rebuilt on a cwd change and on compaction,
 * kept across a restart, and carrying the project's AGENTS.md (CLAUDE.md when there is none) from
 * the conversation's cwd.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type RecordedRequest,
  type ScriptedModel,
  startScriptedModel,
  textReply,
  toolCallReply,
} from "@dispatch/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bootDaemon,
  removeDir,
  sentMessages,
  systemPromptOf,
  type TestDaemon,
  tempDir,
  textOf,
} from "./e2e-harness.test.ts";

/** A template whose time variable would change on every rebuild. */
const TIMED_TEMPLATE =
  "Built at [system:time] in [prompt:cwd].\n[if project:instructions]\n[project:instructions]\n[endif]";

let model: ScriptedModel;
let dataDir: string;
let d: TestDaemon;
let projects: { agents: string; claudeOnly: string; both: string };

function project(name: string, files: Record<string, string>): string {
  const dir = join(dataDir, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

function isSummary(request: RecordedRequest): boolean {
  return systemPromptOf(request).includes("compact an AI coding agent's conversation");
}

/** Runs a turn (a tool step and an answer) and returns the system prompts of its model requests. */
async function turnPrompts(conversationId: string, message: string): Promise<string[]> {
  const start = model.requests.length;
  model.enqueue(toolCallReply("echo", { text: message }), textReply(`answer to ${message}`));
  const events = await d.chat({ conversationId, message });
  expect(events.at(-1)?.type).toBe("turn-sealed");
  return model.requests
    .slice(start)
    .filter((r) => !isSummary(r))
    .map(systemPromptOf);
}

/** Sets the global template for the conversations created from now on. */
async function useTemplate(template: string): Promise<void> {
  expect((await d.call("PUT", "/system-prompt", { template })).status).toBe(200);
}

beforeAll(async () => {
  model = await startScriptedModel();
  model.respondWith((request) => (isSummary(request) ? textReply("Summary of the echo turns.") : undefined));
  dataDir = tempDir("system-prompt");
  projects = {
    agents: project("agents", { "AGENTS.md": "Answer in haiku. MARKER-AGENTS" }),
    claudeOnly: project("claude-only", { "CLAUDE.md": "Use tabs. MARKER-CLAUDE" }),
    both: project("both", { "AGENTS.md": "MARKER-BOTH-AGENTS", "CLAUDE.md": "MARKER-BOTH-CLAUDE" }),
  };
  d = await bootDaemon({ model, dataDir });
});
afterAll(async () => {
  await d.stop();
  await model.close();
  removeDir(dataDir);
});

describe("system prompt", () => {
  it("is byte-identical across turns and steps with the default template, and carries AGENTS.md", async () => {
    await d.call("PUT", "/conversations/sp-default/cwd", { cwd: projects.agents });
    const prompts = [
      ...(await turnPrompts("sp-default", "one")),
      ...(await turnPrompts("sp-default", "two")),
      ...(await turnPrompts("sp-default", "three")),
    ];
    expect(prompts).toHaveLength(6);
    const [first] = prompts;
    expect(first).toContain("MARKER-AGENTS");
    expect(first).toContain(projects.agents);
    expect(new Set(prompts).size).toBe(1);
    // The system prompt is the first message of every request.
    const last = model.requests.filter((r) => !isSummary(r)).at(-1);
    expect(sentMessages(last)[0]?.role).toBe("system");
  });

  it("keeps the built bytes although the template's time moved; rebuilds when the cwd changes", async () => {
    await useTemplate(TIMED_TEMPLATE);
    await d.call("PUT", "/conversations/sp-timed/cwd", { cwd: projects.agents });
    const [built] = await turnPrompts("sp-timed", "first");
    await Bun.sleep(5); // a rebuild from now on would carry a later time
    expect(new Set(await turnPrompts("sp-timed", "second"))).toEqual(new Set([built]));

    await d.call("PUT", "/conversations/sp-timed/cwd", { cwd: projects.claudeOnly });
    const moved = await turnPrompts("sp-timed", "third");
    expect(moved[0]).not.toBe(built);
    expect(moved[0]).toContain(projects.claudeOnly);
    expect(moved[0]).toContain("MARKER-CLAUDE");
    expect(moved[0]).not.toContain("MARKER-AGENTS");
    await Bun.sleep(5);
    expect(new Set(await turnPrompts("sp-timed", "fourth"))).toEqual(new Set([moved[0]]));

    await d.call("PUT", "/conversations/sp-timed/cwd", { cwd: projects.both });
    const [both] = await turnPrompts("sp-timed", "fifth");
    expect(both).toContain("MARKER-BOTH-AGENTS");
    expect(both).not.toContain("MARKER-BOTH-CLAUDE");
  });

  it("is rebuilt on compaction", async () => {
    await useTemplate(TIMED_TEMPLATE);
    await d.call("PUT", "/conversations/sp-compact/cwd", { cwd: projects.agents });
    let before: string | undefined;
    for (let i = 0; i < 3; i++) before = (await turnPrompts("sp-compact", `turn ${i}`))[0];
    await Bun.sleep(5);
    expect((await d.call("POST", "/conversations/sp-compact/compact", { keepLastN: 2 })).status).toBe(200);
    const [after] = await turnPrompts("sp-compact", "after compaction");
    expect(after).not.toBe(before);
    expect(after).toContain(projects.agents);
    expect(after).toContain("MARKER-AGENTS");
    const sent = sentMessages(model.requests.filter((r) => !isSummary(r)).at(-1));
    expect(textOf(sent[1])).toContain("Summary of the echo turns.");
  });

  it("keeps a conversation's prompt byte for byte across a restart", async () => {
    await useTemplate(TIMED_TEMPLATE);
    await d.call("PUT", "/conversations/sp-restart/cwd", { cwd: projects.agents });
    const [before] = await turnPrompts("sp-restart", "before the restart");
    await d.stop();
    await Bun.sleep(5);
    d = await bootDaemon({ model, dataDir });
    expect(new Set(await turnPrompts("sp-restart", "after the restart"))).toEqual(new Set([before]));
  });
});
