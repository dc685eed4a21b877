/**
 * The trace database schema (bun:sqlite, WAL). Column names follow the reference trace store so its
 * databases stay readable: `records` (one row per journal record, body by hash), `bodies`
 * (content-addressed, gzip when it helps) and `cursors` (the collector's position, committed with
 * each batch, with running totals of inserted and duplicate records).
 */
import { Database } from "bun:sqlite";

const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS records (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  level TEXT,
  msg TEXT,
  name TEXT,
  spanId TEXT,
  parentSpanId TEXT,
  conversationId TEXT,
  turnId TEXT,
  extensionId TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  durationMs REAL,
  status TEXT,
  attributes TEXT,
  links TEXT,
  bodyHash TEXT
);
CREATE INDEX IF NOT EXISTS records_turn ON records(turnId, timestamp);
CREATE INDEX IF NOT EXISTS records_conversation ON records(conversationId, timestamp);
CREATE INDEX IF NOT EXISTS records_timestamp ON records(timestamp);
CREATE INDEX IF NOT EXISTS records_span ON records(spanId);
CREATE INDEX IF NOT EXISTS records_name ON records(name, timestamp);
CREATE INDEX IF NOT EXISTS records_body ON records(bodyHash);
CREATE TABLE IF NOT EXISTS bodies (
  hash TEXT PRIMARY KEY,
  body BLOB NOT NULL,
  isCompressed INTEGER NOT NULL,
  originalSize INTEGER NOT NULL,
  storedSize INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cursors (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updatedAt INTEGER NOT NULL,
  inserted INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0
);
`;

/** A row of `records`. */
export interface RecordRow {
  id: string;
  kind: string;
  level: string | null;
  msg: string | null;
  name: string | null;
  spanId: string | null;
  parentSpanId: string | null;
  conversationId: string | null;
  turnId: string | null;
  extensionId: string;
  timestamp: number;
  durationMs: number | null;
  status: string | null;
  attributes: string | null;
  links: string | null;
  bodyHash: string | null;
}

/** Opens (creating if needed) the database with busy_timeout first, then WAL, then the schema. */
export function openDatabase(path: string): Database {
  const db = new Database(path, { create: true, strict: true });
  try {
    db.run("PRAGMA busy_timeout = 5000");
    // Only takes effect on a new database, before the first table; lets prune give space back.
    db.run("PRAGMA auto_vacuum = INCREMENTAL");
    db.run("PRAGMA journal_mode = WAL");
    db.run("PRAGMA synchronous = NORMAL");
    db.transaction(() => {
      db.run(DDL);
      db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    })();
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
