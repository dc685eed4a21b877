import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prefixUpperBound } from "./kv.ts";
import { createSqliteStorage, type SqliteStorage } from "./storage.ts";

let dir: string;
let storage: SqliteStorage;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "storage-kv-"));
  storage = createSqliteStorage({ path: join(dir, "db.sqlite") });
});

afterEach(() => {
  storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("kv", () => {
  it("gets, overwrites and deletes string values per namespace", () => {
    const a = storage.kv("a");
    const b = storage.kv("b");
    expect(a.get("k")).toBeNull();
    a.set("k", "1");
    a.set("k", "2");
    b.set("k", "other");
    expect(a.get("k")).toBe("2");
    expect(b.get("k")).toBe("other");
    a.delete("k");
    a.delete("never-set");
    expect(a.get("k")).toBeNull();
    expect(b.get("k")).toBe("other");
  });

  it("lists keys sorted, all of them without a prefix", () => {
    const kv = storage.kv("ns");
    for (const key of ["b", "a", "c"]) kv.set(key, key);
    storage.kv("elsewhere").set("a2", "x");
    expect(kv.keys()).toEqual(["a", "b", "c"]);
    expect(kv.keys("")).toEqual(["a", "b", "c"]);
  });

  it("matches a prefix literally: % and _ are not wildcards and case matters", () => {
    const kv = storage.kv("ns");
    for (const key of ["a%b", "a%c", "axb", "a_b", "aXb", "A%b", "a%", "b%b"]) kv.set(key, "v");
    expect(kv.keys("a%")).toEqual(["a%", "a%b", "a%c"]);
    expect(kv.keys("a_")).toEqual(["a_b"]);
    expect(kv.keys("A")).toEqual(["A%b"]);
    expect(kv.keys("%")).toEqual([]);
    expect(kv.keys("zz")).toEqual([]);
  });

  it("matches prefixes with multi-byte and astral characters exactly", () => {
    const kv = storage.kv("ns");
    for (const key of ["é", "éa", "é\u{10FFFF}", "é\u{1F600}x", "ê", "e"]) kv.set(key, "v");
    expect(kv.keys("é")).toEqual(["é", "éa", "é\u{1F600}x", "é\u{10FFFF}"]);
    expect(kv.keys("é\u{1F600}")).toEqual(["é\u{1F600}x"]);
  });

  it("lists a prefix through a primary-key range search, not a scan", () => {
    const plan = storage.sql
      .prepare<{ detail: string }>(
        "EXPLAIN QUERY PLAN SELECT key FROM kv WHERE namespace = ? AND key >= ? AND key < CAST(? AS TEXT) ORDER BY key",
      )
      .all("ns", "a", "b")
      .map((row) => row.detail);
    expect(plan).toEqual([
      expect.stringContaining("SEARCH kv USING PRIMARY KEY (namespace=? AND key>? AND key<?)"),
    ]);
  });
});

describe("prefixUpperBound", () => {
  it("increments the last UTF-8 byte", () => {
    expect(prefixUpperBound("")).toBeNull();
    expect(prefixUpperBound("ab")).toEqual(new Uint8Array([0x61, 0x63]));
    expect(prefixUpperBound("é")).toEqual(new Uint8Array([0xc3, 0xaa]));
  });
});
