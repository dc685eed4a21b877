import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, createLogger, type LogRecord, storageService } from "@dispatch/kernel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStorageSqliteExtension } from "./extension.ts";

let dir: string;
let records: LogRecord[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "storage-ext-"));
  records = [];
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function hostFor(path: string) {
  let id = 0;
  const logger = createLogger({
    sink: { emit: (record) => records.push(record) },
    now: () => 0,
    newId: () => `id-${++id}`,
    extensionId: "host",
  });
  return createHost({
    extensions: [createStorageSqliteExtension({ path })],
    logger,
    now: () => 42,
    sleep: async () => {},
  });
}

describe("createStorageSqliteExtension", () => {
  it("declares itself as storage-sqlite with no dependencies", () => {
    const { manifest } = createStorageSqliteExtension({ path: ":memory:" });
    expect(manifest).toMatchObject({ id: "storage-sqlite", version: "0.1.0", dependsOn: [] });
  });

  it("creates the parent directory 0700, provides storage, and keeps data across hosts", async () => {
    const path = join(dir, "state", "nested", "dispatch.sqlite");
    const first = hostFor(path);
    await first.activate();
    expect(first.status()).toMatchObject([{ id: "storage-sqlite", state: "active" }]);
    expect(statSync(join(dir, "state")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "state", "nested")).mode & 0o777).toBe(0o700);
    first.api.getService(storageService).kv("settings").set("theme", "dark");
    expect(records).toContainEqual(
      expect.objectContaining({ kind: "log", msg: "database opened", extensionId: "storage-sqlite" }),
    );
    await first.deactivate();
    // Deactivation checkpointed the WAL into the main file.
    expect(Bun.file(`${path}-wal`).size).toBe(0);

    const second = hostFor(path);
    await second.activate();
    expect(second.api.getService(storageService).kv("settings").get("theme")).toBe("dark");
    const applied = second.api
      .getService(storageService)
      .sql.prepare("SELECT owner, version, applied_at FROM _migrations")
      .all();
    expect(applied).toEqual([{ owner: "storage-sqlite", version: 1, applied_at: 42 }]);
    await second.deactivate();
  });

  it("is disabled, with a reason, when the database cannot be opened", async () => {
    await Bun.write(join(dir, "blocker"), "a file where a directory should be");
    const host = hostFor(join(dir, "blocker", "dispatch.sqlite"));
    await host.activate();
    const [status] = host.status();
    expect(status).toMatchObject({ id: "storage-sqlite", state: "disabled" });
    expect(status?.reason).toContain("blocker");
    expect(host.api.tryGetService(storageService)).toBeUndefined();
    await host.deactivate();
  });
});
