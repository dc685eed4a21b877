import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageError } from "./errors.ts";
import { createSqliteStorage, type SqliteStorage } from "./storage.ts";

let dir: string;
let opened: SqliteStorage[];

function open(name = "db.sqlite", options: { idleCheckpointMs?: number } = {}): SqliteStorage {
  const storage = createSqliteStorage({ path: join(dir, name), ...options });
  opened.push(storage);
  return storage;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "storage-sqlite-"));
  opened = [];
});

afterEach(() => {
  for (const storage of opened) storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("createSqliteStorage", () => {
  it("opens in WAL mode with the documented pragmas", () => {
    const { sql } = open();
    const pragma = (name: string) => Object.values(sql.prepare(`PRAGMA ${name}`).get() ?? {})[0];
    expect(pragma("journal_mode")).toBe("wal");
    expect(pragma("busy_timeout")).toBe(5000);
    expect(pragma("synchronous")).toBe(1); // NORMAL
    expect(pragma("foreign_keys")).toBe(1);
    expect(pragma("wal_autocheckpoint")).toBe(4000);
  });

  it("checkpoints the WAL into the database file once writes pause", async () => {
    const { sql } = open("db.sqlite", { idleCheckpointMs: 20 });
    sql.exec("CREATE TABLE blobs (body TEXT NOT NULL)");
    const insert = sql.prepare("INSERT INTO blobs (body) VALUES (?)");
    // ~1 MB in the WAL, far below the auto-checkpoint threshold: only the idle checkpoint moves it.
    sql.transaction(() => {
      for (let i = 0; i < 250; i++) insert.run("x".repeat(4000));
    });
    const fileSize = () => statSync(join(dir, "db.sqlite")).size;
    expect(fileSize()).toBeLessThan(100_000);
    for (let waited = 0; fileSize() < 1_000_000 && waited < 5_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(fileSize()).toBeGreaterThan(1_000_000);
    expect(sql.prepare<{ n: number }>("SELECT COUNT(*) AS n FROM blobs").get()?.n).toBe(250);
  });

  it("keeps committed data across close and reopen", () => {
    const first = open();
    first.sql.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    first.sql.prepare("INSERT INTO notes (body) VALUES (?)").run("hello");
    first.kv("settings").set("theme", "dark");
    first.close();

    const second = open();
    expect(second.sql.prepare<{ body: string }>("SELECT body FROM notes").all()).toEqual([{ body: "hello" }]);
    expect(second.kv("settings").get("theme")).toBe("dark");
  });

  it("close is idempotent and truncates the WAL", () => {
    const storage = open();
    storage.kv("a").set("k", "v");
    storage.close();
    storage.close();
    const wal = Bun.file(join(dir, "db.sqlite-wal"));
    // TRUNCATE leaves an empty WAL or none at all.
    expect(wal.size).toBe(0);
  });

  it("reports changes of a write statement", () => {
    const { sql } = open();
    sql.exec("CREATE TABLE t (x INTEGER)");
    const insert = sql.prepare("INSERT INTO t (x) VALUES (?), (?)");
    expect(insert.run(1, 2)).toEqual({ changes: 2 });
    expect(sql.prepare("SELECT x FROM t WHERE x > ?").get(5)).toBeNull();
  });
});

describe("transaction", () => {
  it("commits on return and rolls back and rethrows on throw", () => {
    const { sql } = open();
    sql.exec("CREATE TABLE t (x INTEGER)");
    const insert = sql.prepare("INSERT INTO t (x) VALUES (?)");
    expect(sql.transaction(() => insert.run(1).changes)).toBe(1);
    expect(() =>
      sql.transaction(() => {
        insert.run(2);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(sql.prepare<{ x: number }>("SELECT x FROM t").all()).toEqual([{ x: 1 }]);
  });

  it("rolls back only the failed nested transaction (savepoint)", () => {
    const { sql } = open();
    sql.exec("CREATE TABLE t (x INTEGER)");
    const insert = sql.prepare("INSERT INTO t (x) VALUES (?)");
    sql.transaction(() => {
      insert.run(1);
      expect(() =>
        sql.transaction(() => {
          insert.run(2);
          sql.transaction(() => insert.run(3));
          throw new Error("inner");
        }),
      ).toThrow("inner");
      insert.run(4);
    });
    expect(sql.prepare<{ x: number }>("SELECT x FROM t ORDER BY x").all()).toEqual([{ x: 1 }, { x: 4 }]);
  });

  it("an outer failure also discards a committed nested transaction", () => {
    const { sql } = open();
    sql.exec("CREATE TABLE t (x INTEGER)");
    const insert = sql.prepare("INSERT INTO t (x) VALUES (?)");
    expect(() =>
      sql.transaction(() => {
        sql.transaction(() => insert.run(1));
        throw new Error("outer");
      }),
    ).toThrow("outer");
    expect(sql.prepare("SELECT x FROM t").all()).toEqual([]);
  });

  it("refuses an async function and rolls its synchronous part back", async () => {
    const { sql } = open();
    sql.exec("CREATE TABLE t (x INTEGER)");
    const insert = sql.prepare("INSERT INTO t (x) VALUES (?)");
    let pending: Promise<unknown> | undefined;
    let thrown: unknown;
    try {
      sql.transaction(() => {
        pending = (async () => {
          insert.run(1);
        })();
        return pending;
      });
    } catch (err) {
      thrown = err;
    }
    await pending;
    expect(thrown).toBeInstanceOf(StorageError);
    expect((thrown as StorageError).code).toBe("ASYNC_TRANSACTION");
    expect(sql.prepare("SELECT x FROM t").all()).toEqual([]);
  });
});

describe("opening", () => {
  it("refuses a file that is not a database, and the path stays usable once fixed", async () => {
    const path = join(dir, "garbage.sqlite");
    await Bun.write(
      path,
      "this is not a database, just some text that is long enough to be read as a header",
    );
    expect(() => createSqliteStorage({ path })).toThrow();
    rmSync(path);
    const storage = createSqliteStorage({ path });
    opened.push(storage);
    storage.kv("a").set("k", "v");
    expect(storage.kv("a").get("k")).toBe("v");
  });
});
