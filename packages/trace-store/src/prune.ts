/**
 * Retention: records older than `maxAgeMs` go (with bodies no record uses any more), then bodies
 * are evicted least-recently-used first until the stored body bytes fit `maxTotalBodyBytes`. A record
 * whose body was evicted stays; its body reads as missing.
 */
import type { Database } from "bun:sqlite";

/** Retention limits. */
export interface RetentionOptions {
  maxAgeMs?: number;
  maxTotalBodyBytes?: number;
}

/** What `prune` removed. */
export interface PruneResult {
  recordsDeleted: number;
  bodiesDeleted: number;
  /** Stored (possibly compressed) body bytes removed. */
  bytesReclaimed: number;
}

/** 7 days and 256 MiB. */
export const DEFAULT_RETENTION: Required<RetentionOptions> = {
  maxAgeMs: 7 * 24 * 60 * 60 * 1000,
  maxTotalBodyBytes: 256 * 1024 * 1024,
};

const ORPHANS = "FROM bodies WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.bodyHash = bodies.hash)";

/** Applies retention in one transaction, then returns freed pages to the file system. */
export function pruneDatabase(db: Database, now: number, options: RetentionOptions = {}): PruneResult {
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_RETENTION.maxAgeMs;
  const maxBytes = options.maxTotalBodyBytes ?? DEFAULT_RETENTION.maxTotalBodyBytes;
  const result = db.transaction((): PruneResult => {
    const recordsDeleted = db.query("DELETE FROM records WHERE timestamp < ?").run(now - maxAgeMs).changes;
    const orphans = db.query<{ n: number; bytes: number | null }, []>(
      `SELECT COUNT(*) AS n, SUM(storedSize) AS bytes ${ORPHANS}`,
    );
    const freed = orphans.get() ?? { n: 0, bytes: 0 };
    db.run(`DELETE ${ORPHANS}`);
    const evicted = evictToFit(db, maxBytes);
    return {
      recordsDeleted,
      bodiesDeleted: freed.n + evicted.bodies,
      bytesReclaimed: (freed.bytes ?? 0) + evicted.bytes,
    };
  })();
  db.run("PRAGMA incremental_vacuum");
  return result;
}

function evictToFit(db: Database, maxBytes: number): { bodies: number; bytes: number } {
  let total =
    db.query<{ total: number | null }, []>("SELECT SUM(storedSize) AS total FROM bodies").get()?.total ?? 0;
  if (total <= maxBytes) return { bodies: 0, bytes: 0 };
  const candidates = db
    .query<{ hash: string; storedSize: number }, []>(
      `SELECT b.hash, b.storedSize FROM bodies b
       LEFT JOIN (SELECT bodyHash, MAX(timestamp) AS lastUsed FROM records WHERE bodyHash IS NOT NULL GROUP BY bodyHash) u
         ON u.bodyHash = b.hash
       ORDER BY COALESCE(u.lastUsed, 0) ASC`,
    )
    .all();
  const remove = db.query("DELETE FROM bodies WHERE hash = ?");
  let bodies = 0;
  let bytes = 0;
  for (const candidate of candidates) {
    if (total <= maxBytes) break;
    remove.run(candidate.hash);
    total -= candidate.storedSize;
    bytes += candidate.storedSize;
    bodies += 1;
  }
  return { bodies, bytes };
}
