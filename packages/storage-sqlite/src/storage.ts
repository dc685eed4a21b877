/**
 * `createSqliteStorage`: the kernel `Storage` contract over one bun:sqlite file in WAL mode. The
 * SQL surface hands out cached prepared statements, nests transactions as savepoints and runs
 * per-owner migrations; `kv(namespace)` lives in a table of the backend's own schema.
 */
import { Database } from "bun:sqlite";
import type { Migration, SqlDatabase, SqlStatement, SqlValue, Storage } from "@dispatch/kernel";
import { asyncTransaction } from "./errors.ts";
import { createKeyValueFactory, KV_MIGRATIONS } from "./kv.ts";
import { MIGRATIONS_TABLE_SQL, migrate } from "./migrate.ts";

/** Options of `createSqliteStorage`. */
export interface SqliteStorageOptions {
  /** Database file (its directory must exist), or `":memory:"`. */
  path: string;
  /** Milliseconds a statement waits for another connection's lock. Default 5000. */
  busyTimeoutMs?: number;
  /** Clock for `_migrations.applied_at`. Default `Date.now`. */
  now?: () => number;
}

/** The storage plus the handle to close it. */
export interface SqliteStorage extends Storage {
  readonly path: string;
  /** Checkpoints the WAL into the main file and closes the database. Idempotent. */
  close(): void;
}

/** The owner under which the backend records its own schema. */
export const STORAGE_OWNER = "storage-sqlite";

/** Opens (creating if needed) the database at `options.path` and brings the backend's schema up to date. */
export function createSqliteStorage(options: SqliteStorageOptions): SqliteStorage {
  const db = new Database(options.path, { create: true, strict: true });
  try {
    return openOn(db, options);
  } catch (err) {
    db.close(false);
    throw err;
  }
}

function openOn(db: Database, options: SqliteStorageOptions): SqliteStorage {
  const busyTimeoutMs = Math.trunc(options.busyTimeoutMs ?? 5000);
  // busy_timeout BEFORE journal_mode: the other order fails restarts after a kill with "database is locked".
  db.exec(`PRAGMA busy_timeout = ${Number.isFinite(busyTimeoutMs) ? Math.max(0, busyTimeoutMs) : 5000}`);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec(MIGRATIONS_TABLE_SQL);

  const now = options.now ?? Date.now;
  const transaction = <T>(fn: () => T): T =>
    db
      .transaction(() => {
        const result = fn();
        if (isPromiseLike(result)) throw asyncTransaction();
        return result;
      })
      // IMMEDIATE takes the write lock up front, so a read-then-write never fails to upgrade; nested calls become savepoints.
      .immediate();

  const sql: SqlDatabase = {
    prepare: <Row>(text: string) => wrapStatement<Row>(db, text),
    exec: (text) => {
      db.exec(text);
    },
    transaction,
    migrate: (owner: string, migrations: readonly Migration[]) =>
      migrate({ db, transaction, now }, owner, migrations),
  };
  sql.migrate(STORAGE_OWNER, KV_MIGRATIONS);
  const kv = createKeyValueFactory(db);

  let closed = false;
  return {
    path: options.path,
    sql,
    kv,
    close() {
      if (closed) return;
      closed = true;
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      db.close(false);
    },
  };
}

function wrapStatement<Row>(db: Database, text: string): SqlStatement<Row> {
  // `query` caches the compiled statement by its text, so preparing the same SQL twice is free.
  const statement = db.query<Row, SqlValue[]>(text);
  return {
    all: (...params) => statement.all(...params),
    get: (...params) => statement.get(...params),
    run: (...params) => ({ changes: statement.run(...params).changes }),
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    "then" in value &&
    typeof (value as { then: unknown }).then === "function"
  );
}
