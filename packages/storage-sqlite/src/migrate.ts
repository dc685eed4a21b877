/**
 * Per-owner versioned migrations. `_migrations` records what each owner applied; each pending
 * migration runs in its own transaction together with its bookkeeping row, so a failure leaves the
 * owner at the previous version.
 */
import type { Database } from "bun:sqlite";
import type { Migration } from "@dispatch/kernel";
import { invalidMigrations, migrationFailed, schemaTooNew } from "./errors.ts";

/** Creates the bookkeeping table; idempotent. */
export const MIGRATIONS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS _migrations (
  owner TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL,
  PRIMARY KEY (owner, version)
) WITHOUT ROWID`;

/** What `migrate` needs from the storage around it. */
export interface MigrateContext {
  db: Database;
  transaction<T>(fn: () => T): T;
  now(): number;
}

/** Applies `owner`'s migrations above its recorded version, in version order. */
export function migrate(context: MigrateContext, owner: string, migrations: readonly Migration[]): void {
  const { db } = context;
  const sorted = validated(owner, migrations);
  const known = sorted.at(-1)?.version ?? 0;
  const versionOf = db.query<{ version: number | null }, [string]>(
    "SELECT MAX(version) AS version FROM _migrations WHERE owner = ?",
  );
  const record = db.query("INSERT INTO _migrations (owner, version, name, applied_at) VALUES (?, ?, ?, ?)");
  const current = (): number => versionOf.get(owner)?.version ?? 0;

  const applied = current();
  if (applied > known) throw schemaTooNew(owner, applied, known);
  for (const migration of sorted) {
    if (migration.version <= applied) continue;
    try {
      context.transaction(() => {
        // Another process may have applied it since we looked.
        if (current() >= migration.version) return;
        db.exec(migration.up);
        record.run(owner, migration.version, migration.name, context.now());
      });
    } catch (err) {
      throw migrationFailed(owner, migration.version, migration.name, err);
    }
  }
}

function validated(owner: string, migrations: readonly Migration[]): Migration[] {
  const seen = new Set<number>();
  for (const { version } of migrations) {
    if (!Number.isSafeInteger(version) || version < 1) {
      throw invalidMigrations(owner, `version ${version} is not a positive integer`);
    }
    if (seen.has(version)) throw invalidMigrations(owner, `version ${version} appears twice`);
    seen.add(version);
  }
  return [...migrations].sort((a, b) => a.version - b.version);
}
