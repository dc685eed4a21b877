/**
 * The storage contract: a synchronous SQL database with per-owner versioned migrations, plus a
 * small key-value namespace for settings. The concrete backend (bun:sqlite) is an extension that
 * provides `storageService`; extensions that persist depend on it and own their tables.
 */
import { defineService } from "./hooks.ts";

export type SqlValue = string | number | bigint | boolean | null | Uint8Array;

/** A prepared statement. Positional `?` parameters. */
export interface SqlStatement<Row> {
  all(...params: SqlValue[]): Row[];
  get(...params: SqlValue[]): Row | null;
  run(...params: SqlValue[]): { changes: number };
}

/** One schema step of an owner. Versions start at 1 and only grow. */
export interface Migration {
  version: number;
  name: string;
  /** SQL run in one transaction with the version bookkeeping. */
  up: string;
}

/** The database. Contract: statements are synchronous; `transaction` commits atomically or not at all. */
export interface SqlDatabase {
  prepare<Row = Record<string, unknown>>(sql: string): SqlStatement<Row>;
  exec(sql: string): void;
  /** Runs `fn` in a transaction (nested calls become savepoints). Rethrows after rolling back. */
  transaction<T>(fn: () => T): T;
  /** Applies the owner's pending migrations in version order. Throws naming the migration on failure. */
  migrate(owner: string, migrations: readonly Migration[]): void;
}

/** String settings under a namespace. */
export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  delete(key: string): void;
  /** Keys starting with `prefix` (matched literally), sorted. */
  keys(prefix?: string): string[];
}

/** What the storage extension provides. */
export interface Storage {
  readonly sql: SqlDatabase;
  kv(namespace: string): KeyValueStore;
}

/** Provided by the storage backend extension (`storage-sqlite`). */
export const storageService = defineService<Storage>("kernel/storage");
