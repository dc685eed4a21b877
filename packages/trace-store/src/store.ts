/**
 * The trace store: journal records in SQLite, bodies stored once by content hash, queries by turn,
 * conversation and time, retention, and the collector's cursor (committed with each batch, so
 * ingestion is exact; "insert unless the content-hash id exists" is the second line of defence).
 * Conflicts on the id are ignored, but a malformed record still fails its whole batch.
 */
import type { Database } from "bun:sqlite";
import type { Attributes, LogRecord, Now } from "@dispatch/kernel";
import { bodyHash, decodeBody, encodeBody, recordToRow, rowToRecord } from "./codec.ts";
import { type PruneResult, pruneDatabase, type RetentionOptions } from "./prune.ts";
import { openDatabase, type RecordRow } from "./schema.ts";
import { type TokenCounts, turnTokens } from "./usage.ts";

/** Options of `createTraceStore`. */
export interface TraceStoreOptions {
  /** The SQLite file (created if missing). */
  path: string;
  /** Clock for retention and cursor timestamps. */
  now?: Now;
}

/** A stored record; the body is fetched separately with `getBody` ("store fat, serve thin"). */
export interface TraceRecord {
  id: string;
  record: LogRecord;
  bodyHash: string | null;
  /** Original body size in bytes; `null` without a body or when retention evicted it. */
  bodySize: number | null;
}

/** One line of `listTurns`. */
export interface TurnSummary {
  turnId: string;
  conversationId: string | null;
  startedAt: number;
  /** `null` while the turn span is not closed (running, or crashed). */
  durationMs: number | null;
  status: "ok" | "error" | "open";
  steps: number;
  tokens: TokenCounts | null;
}

/** Filter of `listTurns`. */
export interface ListTurnsOptions {
  conversationId?: string;
  /** Newest first; default 20. */
  limit?: number;
}

/** Outcome of `insertRecords`. */
export interface InsertResult {
  inserted: number;
  /** Records already present (same content hash), ignored. */
  duplicates: number;
}

/** A named position saved with the batches it covers, and the totals of those batches. */
export interface StoredCursor {
  value: string;
  updatedAt: number;
  /** Records inserted by every batch saved with this cursor. */
  inserted: number;
  /** Records those batches carried that were already stored (0 when ingestion is exact). */
  duplicates: number;
}

/** Sizes of the store. */
export interface TraceStats {
  records: number;
  bodies: number;
  originalBodyBytes: number;
  storedBodyBytes: number;
}

/** The trace store. Calls are synchronous; every write is one transaction. */
export interface TraceStore {
  /**
   * Inserts records (and their bodies) idempotently, and sets `cursor` in the same transaction,
   * adding this batch's inserted and duplicate counts to the cursor's totals.
   */
  insertRecords(
    records: readonly LogRecord[],
    options?: { cursor?: { name: string; value: string } },
  ): InsertResult;
  getCursor(name: string): StoredCursor | null;
  listTurns(options?: ListTurnsOptions): TurnSummary[];
  /** Every record of the turn, by timestamp then ingestion order. */
  getTurn(turnId: string): TraceRecord[];
  getRecord(id: string): TraceRecord | null;
  /** A body by its hash or by the id of a record that has one; `null` if absent or evicted. */
  getBody(hashOrRecordId: string): string | null;
  /** Record ids, then body hashes, starting with `prefix` (for short ids on the command line). */
  findIds(prefix: string, limit?: number): string[];
  /** Turn ids starting with `prefix`. */
  findTurnIds(prefix: string, limit?: number): string[];
  /** Applies retention (defaults: 7 days, 256 MiB of bodies). */
  prune(options?: RetentionOptions): PruneResult;
  stats(): TraceStats;
  close(): void;
}

type JoinedRow = RecordRow & { originalSize: number | null };

const SELECT_JOINED = "SELECT r.*, b.originalSize FROM records r LEFT JOIN bodies b ON b.hash = r.bodyHash";

/** Opens the trace store at `options.path`. */
export function createTraceStore(options: TraceStoreOptions): TraceStore {
  const db = openDatabase(options.path);
  const now = options.now ?? Date.now;
  const insert = createInserter(db, now);
  const toTrace = (row: JoinedRow): TraceRecord => ({
    id: row.id,
    record: rowToRecord(row),
    bodyHash: row.bodyHash,
    bodySize: row.originalSize,
  });

  return {
    insertRecords: insert,
    getCursor(name) {
      return db
        .query<StoredCursor, [string]>(
          "SELECT value, updatedAt, inserted, duplicates FROM cursors WHERE name = ?",
        )
        .get(name);
    },
    listTurns(filter = {}) {
      return listTurns(db, filter);
    },
    getTurn(turnId) {
      const rows = db.query<JoinedRow, [string]>(
        `${SELECT_JOINED} WHERE r.turnId = ? ORDER BY r.timestamp, r.rowid`,
      );
      return rows.all(turnId).map(toTrace);
    },
    getRecord(id) {
      const row = db.query<JoinedRow, [string]>(`${SELECT_JOINED} WHERE r.id = ?`).get(id);
      return row ? toTrace(row) : null;
    },
    getBody(hashOrRecordId) {
      const byHash = db.query<{ body: Uint8Array; isCompressed: number }, [string]>(
        "SELECT body, isCompressed FROM bodies WHERE hash = ?",
      );
      const direct = byHash.get(hashOrRecordId);
      if (direct) return decodeBody(direct.body, direct.isCompressed);
      const hash = db
        .query<{ bodyHash: string | null }, [string]>("SELECT bodyHash FROM records WHERE id = ?")
        .get(hashOrRecordId)?.bodyHash;
      const viaRecord = hash ? byHash.get(hash) : null;
      return viaRecord ? decodeBody(viaRecord.body, viaRecord.isCompressed) : null;
    },
    findIds(prefix, limit = 10) {
      const upper = `${prefix}\uffff`;
      const records = db
        .query<{ id: string }, [string, string, number]>(
          "SELECT id FROM records WHERE id >= ? AND id < ? LIMIT ?",
        )
        .all(prefix, upper, limit);
      const bodies = db
        .query<{ id: string }, [string, string, number]>(
          "SELECT hash AS id FROM bodies WHERE hash >= ? AND hash < ? LIMIT ?",
        )
        .all(prefix, upper, limit);
      return [...records, ...bodies].map((row) => row.id).slice(0, limit);
    },
    findTurnIds(prefix, limit = 10) {
      return db
        .query<{ turnId: string }, [string, string, number]>(
          "SELECT DISTINCT turnId FROM records WHERE turnId >= ? AND turnId < ? ORDER BY turnId LIMIT ?",
        )
        .all(prefix, `${prefix}\uffff`, limit)
        .map((row) => row.turnId);
    },
    prune(retention) {
      return pruneDatabase(db, now(), retention);
    },
    stats() {
      const records = db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM records").get()?.n ?? 0;
      const sizes = db
        .query<{ n: number; original: number | null; stored: number | null }, []>(
          "SELECT COUNT(*) AS n, SUM(originalSize) AS original, SUM(storedSize) AS stored FROM bodies",
        )
        .get();
      return {
        records,
        bodies: sizes?.n ?? 0,
        originalBodyBytes: sizes?.original ?? 0,
        storedBodyBytes: sizes?.stored ?? 0,
      };
    },
    close() {
      db.close();
    },
  };
}

function createInserter(db: Database, now: Now): TraceStore["insertRecords"] {
  const hasBody = db.query<{ one: number }, [string]>("SELECT 1 AS one FROM bodies WHERE hash = ?");
  const insertBody = db.query(
    `INSERT INTO bodies (hash, body, isCompressed, originalSize, storedSize) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(hash) DO NOTHING`,
  );
  const insertRecord = db.query(
    `INSERT INTO records (id, kind, level, msg, name, spanId, parentSpanId, conversationId, turnId,
       extensionId, timestamp, durationMs, status, attributes, links, bodyHash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO NOTHING`,
  );
  const setCursor = db.query(
    `INSERT INTO cursors (name, value, updatedAt, inserted, duplicates) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(name) DO UPDATE SET value = excluded.value, updatedAt = excluded.updatedAt,
       inserted = inserted + excluded.inserted, duplicates = duplicates + excluded.duplicates`,
  );
  return db.transaction(
    (records: readonly LogRecord[], options?: { cursor?: { name: string; value: string } }) => {
      let inserted = 0;
      for (const record of records) {
        const hash = typeof record.body === "string" ? bodyHash(record.body) : null;
        if (hash !== null && typeof record.body === "string" && !hasBody.get(hash)) {
          const body = encodeBody(record.body, hash);
          insertBody.run(body.hash, body.data, body.isCompressed, body.originalSize, body.data.byteLength);
        }
        const row = recordToRow(record, hash);
        const result = insertRecord.run(
          row.id,
          row.kind,
          row.level,
          row.msg,
          row.name,
          row.spanId,
          row.parentSpanId,
          row.conversationId,
          row.turnId,
          row.extensionId,
          row.timestamp,
          row.durationMs,
          row.status,
          row.attributes,
          row.links,
          row.bodyHash,
        );
        inserted += result.changes;
      }
      const duplicates = records.length - inserted;
      if (options?.cursor)
        setCursor.run(options.cursor.name, options.cursor.value, now(), inserted, duplicates);
      return { inserted, duplicates };
    },
  );
}

interface TurnRow {
  turnId: string;
  conversationId: string | null;
  startedAt: number;
  durationMs: number | null;
  status: string | null;
}

function listTurns(db: Database, filter: ListTurnsOptions): TurnSummary[] {
  const limit = Math.max(1, Math.floor(filter.limit ?? 20));
  const where = filter.conversationId === undefined ? "" : "AND o.conversationId = ?";
  const params = filter.conversationId === undefined ? [limit] : [filter.conversationId, limit];
  const rows = db
    .query<TurnRow, (string | number)[]>(
      `SELECT o.turnId AS turnId, o.conversationId AS conversationId, o.timestamp AS startedAt,
         c.durationMs AS durationMs, c.status AS status
       FROM records o
       LEFT JOIN records c ON c.rowid = (
         SELECT rowid FROM records WHERE spanId = o.spanId AND kind = 'span-close' LIMIT 1)
       WHERE o.name = 'turn' AND o.kind = 'span-open' AND o.turnId IS NOT NULL ${where}
       ORDER BY o.timestamp DESC, o.rowid DESC LIMIT ?`,
    )
    .all(...params);
  const steps = db.query<{ n: number }, [string]>(
    "SELECT COUNT(*) AS n FROM records WHERE turnId = ? AND name = 'step' AND kind = 'span-open'",
  );
  const closes = db.query<{ name: string; attributes: string | null }, [string]>(
    "SELECT name, attributes FROM records WHERE turnId = ? AND kind = 'span-close' AND name IN ('provider.request', 'step', 'turn')",
  );
  return rows.map((row) => ({
    turnId: row.turnId,
    conversationId: row.conversationId,
    startedAt: row.startedAt,
    durationMs: row.durationMs,
    status: row.status === "ok" || row.status === "error" ? row.status : "open",
    steps: steps.get(row.turnId)?.n ?? 0,
    tokens:
      turnTokens(
        closes.all(row.turnId).map((close) => ({
          name: close.name,
          attributes: close.attributes === null ? undefined : (JSON.parse(close.attributes) as Attributes),
        })),
      ) ?? null,
  }));
}
