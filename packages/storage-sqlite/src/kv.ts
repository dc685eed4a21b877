/**
 * The key-value namespaces, all in one `kv(namespace, key, value)` table. Prefix listing is a range
 * scan on the primary key whose upper bound is computed on the UTF-8 bytes, so `%`, `_` and any
 * other character in a prefix match literally.
 */
import type { Database } from "bun:sqlite";
import type { KeyValueStore, Migration } from "@dispatch/kernel";

/** The storage backend's own schema (owner `storage-sqlite`). */
export const KV_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "kv table",
    up: `CREATE TABLE kv (
      namespace TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (namespace, key)
    ) WITHOUT ROWID`,
  },
];

/** Builds `kv(namespace)`; the statements are prepared once and shared by every namespace. */
export function createKeyValueFactory(db: Database): (namespace: string) => KeyValueStore {
  const get = db.query<{ value: string }, [string, string]>(
    "SELECT value FROM kv WHERE namespace = ? AND key = ?",
  );
  const set = db.query(
    "INSERT INTO kv (namespace, key, value) VALUES (?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value",
  );
  const remove = db.query("DELETE FROM kv WHERE namespace = ? AND key = ?");
  const all = db.query<{ key: string }, [string]>("SELECT key FROM kv WHERE namespace = ? ORDER BY key");
  const ranged = db.query<{ key: string }, [string, string, Uint8Array]>(
    "SELECT key FROM kv WHERE namespace = ? AND key >= ? AND key < CAST(? AS TEXT) ORDER BY key",
  );

  return (namespace) => ({
    get: (key) => get.get(namespace, key)?.value ?? null,
    set: (key, value) => {
      set.run(namespace, key, value);
    },
    delete: (key) => {
      remove.run(namespace, key);
    },
    keys: (prefix = "") => {
      const upper = prefixUpperBound(prefix);
      const rows = upper ? ranged.all(namespace, prefix, upper) : all.all(namespace);
      return rows.map((row) => row.key);
    },
  });
}

/**
 * The smallest byte string greater than every string starting with `prefix`, under SQLite's BINARY
 * collation (memcmp of UTF-8); `null` for the empty prefix. UTF-8 never holds the byte 0xFF, so
 * incrementing the last byte cannot overflow.
 */
export function prefixUpperBound(prefix: string): Uint8Array | null {
  const upper = new TextEncoder().encode(prefix);
  const last = upper.length - 1;
  if (last < 0) return null;
  upper[last] = (upper[last] ?? 0) + 1;
  return upper;
}
