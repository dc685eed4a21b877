import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, createLogger, type LogRecord } from "@dispatch/kernel";
import { createStorageSqliteExtension } from "@dispatch/storage-sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createConversationStoreExtension } from "./extension.ts";
import { calls, user } from "./test-fixtures/open-store.ts";
import { conversationStoreService } from "./types.ts";

let dir: string;
let records: LogRecord[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "conversation-store-ext-"));
  records = [];
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function boot() {
  let id = 0;
  const host = createHost({
    extensions: [
      createConversationStoreExtension(),
      createStorageSqliteExtension({ path: join(dir, "db.sqlite") }),
    ],
    logger: createLogger({
      sink: { emit: (record) => records.push(record) },
      now: () => 0,
      newId: () => `id-${++id}`,
      extensionId: "host",
    }),
    now: () => 7_000,
    sleep: async () => {},
  });
  return host;
}

describe("createConversationStoreExtension", () => {
  it("declares its dependency on storage-sqlite", () => {
    expect(createConversationStoreExtension().manifest).toMatchObject({
      id: "conversation-store",
      version: "0.1.0",
      dependsOn: ["storage-sqlite"],
    });
  });

  it("provides the store after storage, and repairs an interrupted turn at the next boot", async () => {
    const first = boot();
    await first.activate();
    expect(first.status().map((status) => [status.id, status.state])).toEqual([
      ["storage-sqlite", "active"],
      ["conversation-store", "active"],
    ]);
    const store = first.api.getService(conversationStoreService);
    store.beginTurn("c", "turn-1");
    store.setStatus("c", "active");
    store.append("c", "turn-1", [user("list the files"), calls("a")]);
    expect(store.getMeta("c")).toMatchObject({ title: "list the files", createdAt: 7_000 });
    // The daemon stops without sealing the turn, as after a crash.
    await first.deactivate();

    const second = boot();
    await second.activate();
    const reopened = second.api.getService(conversationStoreService);
    expect(reopened.getMeta("c")?.status).toBe("idle");
    expect(reopened.lastSeq("c")).toBe(3);
    expect(reopened.readChunks("c", { sinceSeq: 2 }).chunks[0]).toMatchObject({
      role: "tool",
      chunk: { type: "tool-result", toolCallId: "a", isError: true },
    });
    expect(records).toContainEqual(
      expect.objectContaining({
        kind: "log",
        level: "warn",
        msg: "recovered interrupted conversations",
        extensionId: "conversation-store",
        attributes: { conversations: 1, interruptedTurns: 1, repairedToolCalls: 1 },
      }),
    );
    await second.deactivate();
  });
});
