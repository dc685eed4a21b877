/**
 * `createSqliteStorage`: the kernel `Storage` contract over one bun:sqlite file in WAL mode. The
 * SQL surface hands out cached prepared statements, nests transactions as savepoints and runs
 * per-owner migrations; `kv(namespace)` lives in a table of the backend's own schema.
 *
 * Checkpoints: the WAL is checkpointed (PASSIVE) once writes have been quiet for
 * `idleCheckpointMs`, off the path of any request; SQLite's own auto-checkpoint, which runs inside
 * the COMMIT that crosses its threshold (copying the WAL and fsyncing both files: a 5-60 ms stall
 * of that commit), stays as the backstop for writes that never pause, at a raised threshold.
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
  /**
   * Quiet milliseconds after the last write before the WAL is checkpointed (PASSIVE) on a timer.
   * Default 100; 0 turns the idle checkpoint off.
   */
  idleCheckpointMs?: number;
  /** WAL size in pages at which a commit checkpoints by itself (`wal_autocheckpoint`). Default 4000. */
  autoCheckpointPages?: number;
}

/** Default of `idleCheckpointMs`. */
export const IDLE_CHECKPOINT_MS = 100;
/** Default of `autoCheckpointPages` (16 MB of 4 KB pages; SQLite's own default is 1000). */
export const AUTO_CHECKPOINT_PAGES = 4000;

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
  const autoPages = Math.trunc(options.autoCheckpointPages ?? AUTO_CHECKPOINT_PAGES);
  db.exec(
    `PRAGMA wal_autocheckpoint = ${Number.isFinite(autoPages) ? Math.max(0, autoPages) : AUTO_CHECKPOINT_PAGES}`,
  );
  db.exec(MIGRATIONS_TABLE_SQL);

  const now = options.now ?? Date.now;
  const idle = createIdleCheckpoint(db, options.idleCheckpointMs ?? IDLE_CHECKPOINT_MS);
  const transaction = createTransaction(db, idle.wrote);

  const sql: SqlDatabase = {
    prepare: <Row>(text: string) => wrapStatement<Row>(db, text, idle.wrote),
    exec: (text) => {
      db.exec(text);
      idle.wrote();
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
      idle.stop();
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      db.close(false);
    },
  };
}

/**
 * `transaction(fn)`: `BEGIN IMMEDIATE` … `COMMIT` (IMMEDIATE takes the write lock up front, so a
 * read-then-write never fails to upgrade); inside a transaction, a savepoint. A throw, or a
 * returned promise, undoes it and is rethrown. What bun:sqlite's `db.transaction(fn).immediate()`
 * does, on statements prepared once: that one builds four wrapper functions per call, and the
 * store opens several transactions per turn.
 */
function createTransaction(db: Database, wrote: () => void): <T>(fn: () => T) => T {
  const begin = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  const rollback = db.prepare("ROLLBACK");
  const savepoint = db.prepare('SAVEPOINT "dispatch.nested"');
  const release = db.prepare('RELEASE "dispatch.nested"');
  const rollbackTo = db.prepare('ROLLBACK TO "dispatch.nested"');
  return <T>(fn: () => T): T => {
    const nested = db.inTransaction;
    (nested ? savepoint : begin).run();
    try {
      const result = fn();
      if (isPromiseLike(result)) throw asyncTransaction();
      if (nested) release.run();
      else {
        commit.run();
        wrote();
      }
      return result;
    } catch (err) {
      // A failed COMMIT may have ended the transaction already (SQLite rolls back on some errors).
      if (db.inTransaction) {
        if (nested) {
          rollbackTo.run();
          release.run();
        } else rollback.run();
      }
      throw err;
    }
  };
}

function wrapStatement<Row>(db: Database, text: string, wrote: () => void): SqlStatement<Row> {
  // `query` caches the compiled statement by its text, so preparing the same SQL twice is free.
  const statement = db.query<Row, SqlValue[]>(text);
  return {
    all: (...params) => statement.all(...params),
    get: (...params) => statement.get(...params),
    run: (...params) => {
      const { changes } = statement.run(...params);
      // Inside a transaction its COMMIT counts; outside, this statement was its own commit.
      if (!db.inTransaction) wrote();
      return { changes };
    },
  };
}

/**
 * The idle checkpoint: `wrote()` after each commit arms one timer (unless armed); when it fires
 * and nothing was written since it was armed, the WAL is checkpointed (PASSIVE: never waits for
 * a lock, copies what it can), else it re-arms. No timer runs while nothing is written.
 */
function createIdleCheckpoint(db: Database, quietMs: number): { wrote(): void; stop(): void } {
  if (!(quietMs > 0) || !Number.isFinite(quietMs)) return { wrote() {}, stop() {} };
  let writes = 0;
  let seen = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  const arm = () => {
    seen = writes;
    timer = setTimeout(tick, quietMs);
    timer.unref?.();
  };
  const tick = () => {
    if (writes !== seen) return arm();
    timer = undefined;
    try {
      checkpoint.get();
    } catch {
      // Best effort: SQLite's auto-checkpoint and the checkpoint at close remain.
    }
  };
  return {
    wrote() {
      writes += 1;
      if (timer === undefined) arm();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
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
