/**
 * Atomic file replacement: the content goes to a temporary file in the same directory, is flushed
 * to disk, given the final mode, and then renamed (or, for create-only writes, hard-linked) onto
 * the target name. A reader or a crash sees the old file or the new one, never a partial one.
 *
 * Metadata calls (open, fchmod, close, rename, link, unlink) are synchronous, and so is the write
 * of content up to `SYNC_IO_MAX_BYTES`; larger content is written asynchronously. Both `fsync`s
 * stay asynchronous: their duration is the device's flush latency (milliseconds on a busy or
 * network disk), which must not hold the event loop (notes/tools.md).
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fsync,
  linkSync,
  openSync,
  renameSync,
  unlinkSync,
  write,
  writeSync,
} from "node:fs";
import { errnoCode, ToolFailure } from "./errors.ts";
import { SYNC_IO_MAX_BYTES } from "./safe-fs.ts";

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
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const temp = `${directory}/${tempName(name)}`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  let fd: number | undefined = openSync(temp, flags, options.mode ?? 0o666);
  let placed = false;
  try {
    if (bytes.byteLength <= SYNC_IO_MAX_BYTES) writeAllSync(fd, bytes);
    else await writeAll(fd, bytes);
    if (options.mode !== undefined) fchmodSync(fd, options.mode);
    await fsyncFd(fd);
    const written = fd;
    fd = undefined; // Never closed twice: the number may be reused at once.
    closeSync(written);
    if (options.exclusive) {
      try {
        linkSync(temp, `${directory}/${name}`);
      } catch (err) {
        if (errnoCode(err) === "EEXIST") throw new ToolFailure("EXISTS", `"${name}" already exists.`);
        throw err;
      }
      unlinkSync(temp);
    } else {
      renameSync(temp, `${directory}/${name}`);
    }
    placed = true;
    await syncDirectory(directory);
  } finally {
    if (!placed) {
      if (fd !== undefined) closeQuietly(fd);
      try {
        unlinkSync(temp);
      } catch {
        // Already gone (or never created).
      }
    }
  }
}

function writeAllSync(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.byteLength) {
    offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
  }
}

async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    offset += await new Promise<number>((resolve, reject) => {
      write(fd, bytes, offset, bytes.byteLength - offset, null, (err, written) => {
        if (err) reject(err);
        else resolve(written);
      });
    });
  }
}

/** `fsync` through the thread pool: the wait is the device's, not the CPU's. */
function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fsync(fd, (err) => {
      if (err) reject(err);
      else resolve();
    });
  });
}

/** Makes the rename durable. Best effort: some file systems refuse fsync on directories. */
async function syncDirectory(directory: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(directory, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch {
    return;
  }
  try {
    await fsyncFd(fd);
  } catch {
    // Best effort.
  } finally {
    closeSync(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing more to do.
  }
}

function tempName(name: string): string {
  const random = crypto.randomUUID().slice(0, 8);
  // Keep within NAME_MAX (255 bytes) whatever the target's name length.
  let base = name;
  while (Buffer.byteLength(base) > 200) base = base.slice(0, -1);
  return `.${base}.${random}${TEMP_SUFFIX}`;
}
