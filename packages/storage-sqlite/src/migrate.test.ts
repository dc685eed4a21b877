import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Migration } from "@dispatch/kernel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageError } from "./errors.ts";
import { createSqliteStorage, type SqliteStorage } from "./storage.ts";

let dir: string;
let opened: SqliteStorage[];
let clock: number;

function open(): SqliteStorage {
  const storage = createSqliteStorage({ path: join(dir, "db.sqlite"), now: () => clock });
  opened.push(storage);
  return storage;
}

function thrownBy(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StorageError) return err;
    throw err;
  }
  throw new Error("expected a StorageError");
}

const v1: Migration = {
  version: 1,
  name: "items",
  up: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)",
};
const v2: Migration = {
  version: 2,
  name: "items.size",
  up: "ALTER TABLE items ADD COLUMN size INTEGER DEFAULT 0",
};
const v3: Migration = {
  version: 3,
  name: "seed",
  up: "INSERT INTO items (name, size) VALUES ('a', 1); INSERT INTO items (name, size) VALUES ('b', 2);",
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "storage-migrate-"));
  opened = [];
  clock = 1_000;
});

afterEach(() => {
  for (const storage of opened) storage.close();
  rmSync(dir, { recursive: true, force: true });
});

function applied(storage: SqliteStorage, owner: string) {
  return storage.sql
    .prepare("SELECT version, name, applied_at FROM _migrations WHERE owner = ? ORDER BY version")
    .all(owner);
}

describe("migrate", () => {
  it("applies pending migrations once, in version order, whatever the list order", () => {
    const storage = open();
    storage.sql.migrate("items", [v3, v1, v2]);
    storage.sql.migrate("items", [v1, v2, v3]);
    expect(storage.sql.prepare("SELECT name, size FROM items ORDER BY id").all()).toEqual([
      { name: "a", size: 1 },
      { name: "b", size: 2 },
    ]);
    expect(applied(storage, "items")).toEqual([
      { version: 1, name: "items", applied_at: 1_000 },
      { version: 2, name: "items.size", applied_at: 1_000 },
      { version: 3, name: "seed", applied_at: 1_000 },
    ]);
  });

  it("applies only the new ones after a reopen, keeping the data", () => {
    const first = open();
    first.sql.migrate("items", [v1, v2]);
    first.sql.prepare("INSERT INTO items (name) VALUES (?)").run("kept");
    first.close();

    clock = 2_000;
    const second = open();
    second.sql.migrate("items", [v1, v2, v3]);
    expect(second.sql.prepare("SELECT name FROM items ORDER BY id").all()).toEqual([
      { name: "kept" },
      { name: "a" },
      { name: "b" },
    ]);
    expect(applied(second, "items").map((row) => row.applied_at)).toEqual([1_000, 1_000, 2_000]);
  });

  it("keeps owners apart", () => {
    const storage = open();
    storage.sql.migrate("one", [{ version: 1, name: "t1", up: "CREATE TABLE t1 (x)" }]);
    storage.sql.migrate("two", [{ version: 1, name: "t2", up: "CREATE TABLE t2 (x)" }]);
    expect(applied(storage, "one")).toHaveLength(1);
    expect(applied(storage, "two")).toHaveLength(1);
  });

  it("refuses a database whose schema is newer than the code", () => {
    const first = open();
    first.sql.migrate("items", [v1, v2, v3]);
    first.close();

    const second = open();
    const err = thrownBy(() => second.sql.migrate("items", [v1, v2]));
    expect(err.code).toBe("SCHEMA_TOO_NEW");
    expect(err.message).toContain('"items" schema is at version 3');
    expect(err.message).toContain("only knows up to version 2");
  });

  it("rolls a failing migration back whole, names it, and leaves earlier ones applied", () => {
    const storage = open();
    const broken: Migration = {
      version: 2,
      name: "broken",
      up: "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);",
    };
    const err = thrownBy(() => storage.sql.migrate("items", [v1, broken]));
    expect(err.code).toBe("MIGRATION_FAILED");
    expect(err.message).toContain('items v2 "broken"');
    expect(err.message).toContain("nowhere");
    expect(applied(storage, "items").map((row) => row.version)).toEqual([1]);
    expect(storage.sql.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all()).toEqual([]);
  });

  it("rejects duplicate and non-positive versions before touching the database", () => {
    const storage = open();
    expect(thrownBy(() => storage.sql.migrate("items", [v1, { ...v2, version: 1 }])).code).toBe(
      "INVALID_MIGRATIONS",
    );
    expect(thrownBy(() => storage.sql.migrate("items", [{ ...v1, version: 0 }])).code).toBe(
      "INVALID_MIGRATIONS",
    );
    expect(thrownBy(() => storage.sql.migrate("items", [{ ...v1, version: 1.5 }])).code).toBe(
      "INVALID_MIGRATIONS",
    );
    expect(applied(storage, "items")).toEqual([]);
  });
});
