import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConversationStoreExtension } from "@dispatch/conversation-store";
import { createHost, createLogger, type Host, type LogRecord, storageService } from "@dispatch/kernel";
import { type SystemPromptContext, systemPromptSourceService } from "@dispatch/session-orchestrator";
import { createStorageSqliteExtension } from "@dispatch/storage-sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VARIABLE_CATALOG } from "./catalog.ts";
import { DEFAULT_TEMPLATE } from "./default-template.ts";
import { createSystemPromptExtension } from "./extension.ts";
import { systemPromptService } from "./types.ts";

const TEMPLATE =
  "Built [system:time] in [prompt:cwd] for [prompt:model].[if project:instructions]\n[project:instructions][endif]";

let dir: string;
let clock: number;
let records: LogRecord[];
let hosts: Host[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "system-prompt-ext-"));
  for (const name of ["one", "two"]) mkdirSync(join(dir, name));
  clock = Date.parse("2026-11-22T10:00:00Z");
  records = [];
  hosts = [];
});

afterEach(async () => {
  for (const host of hosts) await host.deactivate();
  rmSync(dir, { recursive: true, force: true });
});

/** Boots storage, the conversation store and the system prompt; every clock read moves time on. */
async function boot(
  options: Parameters<typeof createSystemPromptExtension>[0] = { defaultTemplate: TEMPLATE },
) {
  const host = createHost({
    extensions: [
      createSystemPromptExtension(options),
      createConversationStoreExtension(),
      createStorageSqliteExtension({ path: join(dir, "db.sqlite") }),
    ],
    logger: createLogger({
      sink: { emit: (record) => records.push(record) },
      now: () => 0,
      newId: () => "id",
      extensionId: "host",
    }),
    now: () => (clock += 1_000),
    sleep: async () => {},
  });
  await host.activate();
  hosts.push(host);
  return {
    host,
    source: host.api.getService(systemPromptSourceService),
    service: host.api.getService(systemPromptService),
  };
}

function turn(cwd: string, conversationId = "c-1"): SystemPromptContext {
  return { conversationId, cwd: join(dir, cwd), model: "local/qwen3", workspaceId: "default" };
}

describe("createSystemPromptExtension", () => {
  it("activates after storage and the conversation store", async () => {
    const { host } = await boot();
    expect(host.status().map((status) => [status.id, status.state])).toEqual([
      ["storage-sqlite", "active"],
      ["conversation-store", "active"],
      ["system-prompt", "active"],
    ]);
  });

  it("returns the same bytes on every turn until the cwd changes, then rebuilds and keeps the new one", async () => {
    const { source } = await boot();
    const first = await source.forTurn(turn("one"));
    expect(first).toMatch(/^Built 2026-11-22T10:00:\d\d\.000Z in .*\/one for local\/qwen3\.$/);
    writeFileSync(join(dir, "one", "AGENTS.md"), "added later");
    expect(await source.forTurn(turn("one"))).toBe(first);
    expect(await source.forTurn(turn("one"))).toBe(first);

    const moved = await source.forTurn(turn("two"));
    expect(moved).toMatch(/in .*\/two for/);
    expect(moved).not.toBe(first);
    expect(await source.forTurn(turn("two"))).toBe(moved);
    // Another conversation has its own prompt.
    expect(await source.forTurn(turn("one", "c-2"))).toMatch(/\.\nadded later$/);
  });

  it("rebuilds after invalidate (compaction)", async () => {
    const { source } = await boot();
    const first = await source.forTurn(turn("one"));
    source.invalidate("c-1");
    const rebuilt = await source.forTurn(turn("one"));
    expect(rebuilt).not.toBe(first);
    expect(await source.forTurn(turn("one"))).toBe(rebuilt);
    source.invalidate("never-built");
  });

  it("does not keep a build that an invalidate overtook", async () => {
    const { source } = await boot();
    const racing = source.forTurn(turn("one"));
    source.invalidate("c-1");
    const stale = await racing;
    const fresh = await source.forTurn(turn("one"));
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(stale);
    expect(await source.forTurn(turn("one"))).toBe(fresh);
  });

  it("stores a new build in the caller's transaction when the turn persists it", async () => {
    const { host, source } = await boot();
    const { sql } = host.api.getService(storageService);
    const stored = () =>
      sql
        .prepare<{ prompt: string }>("SELECT prompt FROM system_prompts WHERE conversation_id = ?")
        .get("c-1")?.prompt;
    const prompt = await source.forTurn(turn("one"));
    expect(stored()).toBeUndefined();
    // Served from memory until written: the same bytes.
    expect(await source.forTurn(turn("one"))).toBe(prompt);
    sql.transaction(() => source.persist?.("c-1"));
    expect(stored()).toBe(prompt);
    source.persist?.("c-1");
    source.persist?.("never-built");
    expect(await source.forTurn(turn("one"))).toBe(prompt);
  });

  it("writes a build that no turn persisted on its own, shortly after", async () => {
    const { host, source } = await boot();
    const { sql } = host.api.getService(storageService);
    const prompt = await source.forTurn(turn("one"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(
      sql
        .prepare<{ prompt: string }>("SELECT prompt FROM system_prompts WHERE conversation_id = ?")
        .get("c-1")?.prompt,
    ).toBe(prompt);
  });

  it("keeps a built prompt across a restart", async () => {
    const first = await boot();
    const prompt = await first.source.forTurn(turn("one"));
    await first.host.deactivate();
    const second = await boot();
    expect(await second.source.forTurn(turn("one"))).toBe(prompt);
  });

  it("gives concurrent requests of one conversation the same build", async () => {
    const { source } = await boot();
    const [a, b] = await Promise.all([source.forTurn(turn("one")), source.forTurn(turn("one"))]);
    expect(a).toBeDefined();
    expect(b).toBe(a);
  });

  it("stores the global template; new conversations use it, built ones keep theirs", async () => {
    const { source, service } = await boot({});
    expect(service.getTemplate()).toBe(DEFAULT_TEMPLATE);
    expect(await source.forTurn(turn("one"))).toContain("You are Dispatch");
    service.setTemplate("Custom for [prompt:conversation_id]");
    expect(service.getTemplate()).toBe("Custom for [prompt:conversation_id]");
    expect(await source.forTurn(turn("one"))).toContain("You are Dispatch");
    expect(await source.forTurn(turn("one", "c-2"))).toBe("Custom for c-2");
    service.setTemplate("");
    expect(service.getTemplate()).toBe("");
    expect(await source.forTurn(turn("one", "c-3"))).toBeUndefined();
    expect(await source.forTurn(turn("one", "c-3"))).toBeUndefined();
  });

  it("lists the variable catalog", async () => {
    const { service } = await boot();
    expect(service.variables()).toEqual(VARIABLE_CATALOG);
    expect(service.variables()).toContainEqual({
      type: "file",
      name: "<path>",
      description: expect.any(String),
      dynamic: true,
    });
  });

  it("never throws: a failure is logged and the turn gets no system prompt", async () => {
    const { host, source } = await boot();
    await host.deactivate(); // closes the database under the source
    expect(await source.forTurn(turn("one"))).toBeUndefined();
    expect(() => source.invalidate("c-1")).not.toThrow();
    expect(records).toContainEqual(
      expect.objectContaining({
        level: "warn",
        msg: "no system prompt for this turn: building it failed",
        extensionId: "system-prompt",
        conversationId: "c-1",
        attributes: expect.objectContaining({ "error.message": "Database has closed" }),
      }),
    );
  });
});
