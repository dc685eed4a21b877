/**
 * The `storage-sqlite` extension: opens the daemon's database at activation (creating its directory
 * private to the user) and provides `storageService`; deactivation checkpoints and closes it.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type Extension, KERNEL_API_VERSION, storageService } from "@dispatch/kernel";
import { createSqliteStorage, type SqliteStorage } from "./storage.ts";

/** Options of `createStorageSqliteExtension`. */
export interface StorageSqliteExtensionOptions {
  /** Database file; its parent directory is created with mode 0700 if missing. `":memory:"` for tests. */
  path: string;
}

/** Creates the extension that owns the database file. */
export function createStorageSqliteExtension(options: StorageSqliteExtensionOptions): Extension {
  let storage: SqliteStorage | undefined;
  let withdraw: (() => void) | undefined;
  return {
    manifest: {
      id: "storage-sqlite",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: [],
      description:
        "SQLite database (WAL) behind the storage service: per-owner migrations and key-value settings",
    },
    activate(host) {
      if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
      storage = createSqliteStorage({ path: options.path, now: host.now });
      withdraw = host.provideService(storageService, storage);
      host.logger.info("database opened", { path: options.path });
    },
    deactivate() {
      withdraw?.();
      withdraw = undefined;
      storage?.close();
      storage = undefined;
    },
  };
}
