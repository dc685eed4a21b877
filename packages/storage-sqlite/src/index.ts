/**
 * `@dispatch/storage-sqlite`: the bun:sqlite backend of the kernel storage contract, as a library
 * (`createSqliteStorage`) and as the extension that provides `storageService`.
 * @module
 */
export {
  asyncTransaction,
  invalidMigrations,
  migrationFailed,
  StorageError,
  type StorageErrorCode,
  schemaTooNew,
} from "./errors.ts";
export { createStorageSqliteExtension, type StorageSqliteExtensionOptions } from "./extension.ts";
export { prefixUpperBound } from "./kv.ts";
export {
  AUTO_CHECKPOINT_PAGES,
  createSqliteStorage,
  IDLE_CHECKPOINT_MS,
  type SqliteStorage,
  type SqliteStorageOptions,
  STORAGE_OWNER,
} from "./storage.ts";
