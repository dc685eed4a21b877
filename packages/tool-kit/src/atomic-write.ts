/**
 * Atomic file replacement: the content goes to a temporary file in the same directory, is flushed
 * to disk, given the final mode, and then renamed (or, for create-only writes, hard-linked) onto
 * the target name. A reader or a crash sees the old file or the new one, never a partial one.
 */
import { constants } from "node:fs";
import { type FileHandle, link, open, rename, unlink } from "node:fs/promises";
import { ToolFailure } from "./errors.ts";

/** Options of `writeFileAtomic`. */
export interface AtomicWriteOptions {
  /** Permission bits of the result (e.g. the replaced file's); defaults to 0o666 minus the umask. */
  mode?: number;
  /** Fail with `EXISTS` instead of replacing an existing target (create-only). */
  exclusive?: boolean;
}

/** Marks temporary files so leftovers of a crash are recognizable. */
export const TEMP_SUFFIX = ".dispatch-tmp";

/**
 * Writes `data` to `<directory>/<name>` atomically. `directory` is an anchor from
 * `openAnchoredDirectory` (or a plain directory path). Contract: on any failure the target is
 * untouched and the temporary file is removed (a SIGKILL may leave one behind, never under `name`).
 */
export async function writeFileAtomic(
  directory: string,
  name: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = `${directory}/${tempName(name)}`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await open(temp, flags, options.mode ?? 0o666);
  let placed = false;
  try {
    await writeAll(handle, data);
    if (options.mode !== undefined) await handle.chmod(options.mode);
    await handle.sync();
    await handle.close();
    if (options.exclusive) {
      await link(temp, `${directory}/${name}`).catch((err: unknown) => {
        if ((err as { code?: string }).code === "EEXIST") {
          throw new ToolFailure("EXISTS", `"${name}" already exists.`);
        }
        throw err;
      });
      await unlink(temp);
    } else {
      await rename(temp, `${directory}/${name}`);
    }
    placed = true;
    await syncDirectory(directory);
  } finally {
    if (!placed) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    }
  }
}

async function writeAll(handle: FileHandle, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}

/** Makes the rename durable. Best effort: some file systems refuse fsync on directories. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY | constants.O_DIRECTORY).catch(() => undefined);
  if (handle === undefined) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

function tempName(name: string): string {
  const random = crypto.randomUUID().slice(0, 8);
  // Keep within NAME_MAX (255 bytes) whatever the target's name length.
  let base = name;
  while (Buffer.byteLength(base) > 200) base = base.slice(0, -1);
  return `.${base}.${random}${TEMP_SUFFIX}`;
}
