/**
 * The storage backend's error codes. Opening and migrating a database happen at boot, so these are
 * thrown (and stop the extension); each message says what to do next.
 */

/** Every code this package throws with, sorted. */
export type StorageErrorCode =
  | "ASYNC_TRANSACTION"
  | "INVALID_MIGRATIONS"
  | "MIGRATION_FAILED"
  | "SCHEMA_TOO_NEW";

/** An error with a stable code and the values involved. */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: StorageErrorCode,
    message: string,
    context: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "StorageError";
    this.code = code;
    this.context = context;
  }
}

/** `transaction` was given a function that returned a promise: its work after `await` escaped the transaction. */
export function asyncTransaction(): StorageError {
  return new StorageError(
    "ASYNC_TRANSACTION",
    "transaction(fn): fn returned a promise; the transaction was rolled back. Make fn synchronous and do async work before or after it.",
  );
}

/** An owner's migration list is malformed (a bug in the owning package). */
export function invalidMigrations(owner: string, problem: string): StorageError {
  return new StorageError("INVALID_MIGRATIONS", `migrations of "${owner}": ${problem}`, { owner });
}

/** A migration's SQL failed; nothing of it was applied. */
export function migrationFailed(owner: string, version: number, name: string, cause: unknown): StorageError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new StorageError(
    "MIGRATION_FAILED",
    `migration ${owner} v${version} "${name}" failed and was rolled back: ${reason}`,
    { owner, version, name },
    cause,
  );
}

/** The database was written by newer code than this build knows. */
export function schemaTooNew(owner: string, applied: number, known: number): StorageError {
  return new StorageError(
    "SCHEMA_TOO_NEW",
    `the database's "${owner}" schema is at version ${applied}, but this build only knows up to version ${known}. ` +
      "Run a newer Dispatch, or point it at another database file.",
    { owner, applied, known },
  );
}
