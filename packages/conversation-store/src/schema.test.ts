import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStorage, type SqliteStorage } from "@dispatch/storage-sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONVERSATION_STORE_MIGRATIONS, CONVERSATION_STORE_OWNER } from "./schema.ts";
import { createConversationStore } from "./store.ts";

let dir: string;
let storage: SqliteStorage;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "conversation-store-schema-"));
  storage = createSqliteStorage({ path: join(dir, "db.sqlite") });
});

afterEach(() => {
  storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("migration 2", () => {
  it("upgrades a version-1 database: workspaces from its conversations, turns and metrics kept", () => {
    const { sql } = storage;
    sql.migrate(CONVERSATION_STORE_OWNER, CONVERSATION_STORE_MIGRATIONS.slice(0, 1));
    sql.exec(`
      INSERT INTO conversations (id, title, workspace_id, created_at, last_activity_at, last_seq)
        VALUES ('c1', 'one', 'web', 10, 50, 1), ('c2', 'two', 'web', 20, 70, 0), ('c3', 'three', 'default', 5, 30, 0);
      INSERT INTO turns (id, conversation_id, started_at, status) VALUES ('turn-1', 'c1', 10, 'sealed');
      INSERT INTO turns (id, conversation_id, started_at, status) VALUES ('turn-2', 'c1', 11, 'running');
      INSERT INTO turn_metrics (turn_id, conversation_id, seq_order, data)
        VALUES ('turn-1', 'c1', 1, '{"turnId":"turn-1","usage":{"inputTokens":1,"outputTokens":2},"steps":[]}');
      INSERT INTO messages (conversation_id, msg_index, role, turn_id) VALUES ('c1', 0, 'user', 'turn-1');
      INSERT INTO chunks (conversation_id, seq, msg_index, type, data)
        VALUES ('c1', 1, 0, 'text', '{"type":"text","text":"hi"}');
    `);

    const store = createConversationStore({ sql, now: () => 1_000 });
    expect(store.listWorkspaces()).toEqual([
      {
        id: "web",
        title: "web",
        defaultCwd: null,
        defaultComputerId: null,
        createdAt: 10,
        lastActivityAt: 70,
        conversationCount: 2,
      },
      expect.objectContaining({ id: "default", title: "Default", createdAt: 5, conversationCount: 1 }),
    ]);
    expect(store.loadMetrics("c1").map((turn) => turn.turnId)).toEqual(["turn-1"]);
    expect(store.recoverInterrupted().interruptedTurns).toBe(1);
    store.sealTurn("c1", { turnId: "turn-3", usage: { inputTokens: 1, outputTokens: 1 }, steps: [] }, "stop");
    expect(store.loadMetrics("c1").map((turn) => turn.turnId)).toEqual(["turn-1", "turn-3"]);
    expect(store.readChunks("c1").chunks).toEqual([
      { seq: 1, role: "user", chunk: { type: "text", text: "hi" } },
    ]);
    expect(sql.prepare("PRAGMA foreign_key_check").all()).toEqual([]);
  });

  it("keys turns per conversation, so two conversations may hold the same turn id", () => {
    const store = createConversationStore({ sql: storage.sql, now: () => 1_000 });
    const sealed = { turnId: "turn-1", usage: { inputTokens: 1, outputTokens: 1 }, steps: [] };
    store.sealTurn("a", sealed, "stop");
    store.sealTurn("b", sealed, "stop");
    expect(store.loadMetrics("a")).toEqual([sealed]);
    expect(store.loadMetrics("b")).toEqual([sealed]);
  });
});

describe("migration 3", () => {
  it("adds empty extra roots to the workspaces of a version-2 database", () => {
    const { sql } = storage;
    sql.migrate(CONVERSATION_STORE_OWNER, CONVERSATION_STORE_MIGRATIONS.slice(0, 2));
    sql.exec("INSERT INTO workspaces (id, title, created_at, last_activity_at) VALUES ('web', 'Web', 1, 2)");
    const store = createConversationStore({ sql, now: () => 1_000 });
    expect(store.getWorkspace("web")).toEqual({
      id: "web",
      title: "Web",
      defaultCwd: null,
      defaultComputerId: null,
      createdAt: 1,
      lastActivityAt: 2,
    });
    expect(store.setWorkspaceExtraRoots("web", ["/srv/docs"])?.extraRoots).toEqual(["/srv/docs"]);
  });
});
