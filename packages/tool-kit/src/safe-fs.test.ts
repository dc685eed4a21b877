/**
 * The synchronous use path: `readVerified` returns exactly the file's bytes on both sides of
 * `SYNC_IO_MAX_BYTES` (synchronous and asynchronous reads), and `VerifiedFd.close` never closes a
 * descriptor number twice (it may already belong to another file).
 */
import { closeSync, openSync, readSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveInside } from "./containment.ts";
import { openVerifiedFd, readVerified, SYNC_IO_MAX_BYTES } from "./safe-fs.ts";

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "safe-fs-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 10)) & 0xff;
  return bytes;
}

describe("readVerified", () => {
  it("reads small and large files whole, byte for byte", async () => {
    const sizes = [0, 1, 1800, 4096, SYNC_IO_MAX_BYTES, SYNC_IO_MAX_BYTES + 1, 3 * SYNC_IO_MAX_BYTES + 7];
    for (const size of sizes) {
      const content = pattern(size);
      await writeFile(join(root, `f-${size}`), content);
      const opened = openVerifiedFd(await resolveInside(root, `f-${size}`), "file");
      try {
        const read = await readVerified(opened);
        expect({ size, length: read.byteLength, same: Buffer.compare(read, content) === 0 }).toEqual({
          size,
          length: size,
          same: true,
        });
      } finally {
        opened.close();
      }
    }
  });
});

describe("VerifiedFd.close", () => {
  it("closes once: a second call leaves a reused descriptor number alone", async () => {
    await writeFile(join(root, "first"), "first");
    await writeFile(join(root, "second"), "second");
    const opened = openVerifiedFd(await resolveInside(root, "first"), "file");
    opened.close();
    const other = openSync(join(root, "second"), "r"); // usually reuses the number just freed
    try {
      opened.close();
      const buffer = Buffer.alloc(16);
      const bytes = readSync(other, buffer, 0, 16, 0);
      expect(buffer.subarray(0, bytes).toString()).toBe("second");
    } finally {
      closeSync(other);
    }
  });
});
