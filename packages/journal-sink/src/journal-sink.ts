/**
 * The journal: a `LogSink` that appends each record as one redacted NDJSON line to `app.ndjson`
 * (synchronous `write`s straight from the string, on an O_APPEND fd: one per record, or one per
 * batch with `writeBehind`), rotates it through `.1 … .N`, fsyncs periodically and never throws. `header.ts` describes the first line of each file; `redact.ts` the
 * redaction; the collector (observability-collector) tails these files into the trace store.
 */
import {
  closeSync,
  fstatSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import type { LogRecord, LogSink, NewId, Now } from "@dispatch/kernel";
import { createHeaderRecord, type JournalHeader, readHeader } from "./header.ts";
import { redactRecord } from "./redact.ts";
import { nextSeqOnDisk, shiftGenerations } from "./rotate.ts";

/** 50 MiB. */
export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
export const DEFAULT_GENERATIONS = 5;
export const DEFAULT_FSYNC_INTERVAL_MS = 1000;
/** After an I/O failure, opening or rotating is retried at most this often; records in between are dropped. */
const RETRY_DELAY_MS = 1000;
const NEWLINE = Buffer.from("\n");

/** Options of `createJournalSink`. */
export interface JournalSinkOptions {
  /** The live journal file, e.g. `/var/log/dispatch/app.ndjson`; its directory is created if missing. */
  path: string;
  /** Size at which the live file is rotated (a single longer line gets a file of its own). */
  maxBytes?: number;
  /** Rotated files kept: `app.ndjson.1` (newest) … `app.ndjson.N` (oldest). At least 1. */
  generations?: number;
  /** How often written data is fsynced; 0 disables the periodic fsync. */
  fsyncIntervalMs?: number;
  /** Exact values to redact (the daemon token, API keys). Contract: cheap, called once per record; a throw counts as "none". */
  secrets?: () => readonly string[];
  now?: Now;
  /** Ids of new journal files. */
  newId?: NewId;
  /**
   * Redact, serialise and write records `WRITE_BEHIND_MS` after the first of a batch was emitted
   * (a timer, so the network writes the emitting work queued go out first), all records of a batch
   * in one write, instead of inside `emit`: a turn no longer waits for its journal. A crash loses
   * the batch it interrupts; `flush()` and `close()` write the batch first. Default false.
   */
  writeBehind?: boolean;
}

/** With `writeBehind`, how long the first record of a batch waits for the others. */
export const WRITE_BEHIND_MS = 2;

/** With `writeBehind`, a batch this long is written at once instead of waiting for the next turn of the event loop. */
const MAX_BATCH_RECORDS = 1000;

/** The journal sink. Contract: no method throws; a record that cannot be written is dropped and counted. */
export interface JournalSink extends LogSink {
  /** fsyncs what was written so far. */
  flush(): void;
  /** Flushes and closes; later records are dropped. Idempotent. */
  close(): void;
  /** Records lost to I/O errors, serialisation errors or `emit` after `close`. */
  readonly droppedRecords: number;
}

interface OpenFile {
  fd: number;
  ino: number;
  size: number;
  /** Size of the header this sink wrote (0 for a file it reopened): a file is never rotated with only a header. */
  headerBytes: number;
  /** The file does not end with a newline (an interrupted write): the next line starts with one. */
  torn: boolean;
}

/** Creates the journal sink. The file is opened lazily on the first record. */
export function createJournalSink(options: JournalSinkOptions): JournalSink {
  const { path } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const generations = Math.max(1, Math.floor(options.generations ?? DEFAULT_GENERATIONS));
  const now = options.now ?? Date.now;
  const newId = options.newId ?? (() => crypto.randomUUID());
  let file: OpenFile | undefined;
  let lastSeq = 0;
  let dropped = 0;
  let closed = false;
  let dirty = false;
  let retryAt = 0;
  let rotateAt = 0;

  const secrets = (): readonly string[] => {
    try {
      return options.secrets?.() ?? [];
    } catch {
      return [];
    }
  };

  function createFile(fd: number, ino: number): OpenFile {
    lastSeq = lastSeq > 0 ? lastSeq + 1 : nextSeqOnDisk(path);
    const header: JournalHeader = { fileId: newId(), seq: lastSeq, timestamp: now() };
    const bytes = Buffer.from(`${JSON.stringify(createHeaderRecord(header))}\n`);
    writeAll(fd, bytes);
    return { fd, ino, size: bytes.length, headerBytes: bytes.length, torn: false };
  }

  function openLive(attempt = 0): OpenFile {
    // The journal holds prompts and tool output: a directory it creates is private to its user.
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, "a+");
    try {
      const stat = fstatSync(fd);
      if (stat.size === 0) return createFile(fd, stat.ino);
      const header = readHeader(fd);
      if (header) {
        lastSeq = Math.max(lastSeq, header.seq);
        return { fd, ino: stat.ino, size: stat.size, headerBytes: 0, torn: lastByte(fd, stat.size) !== 10 };
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    // A file without our header (foreign or torn): move it aside once and start a fresh one.
    closeSync(fd);
    if (attempt > 0) throw new Error(`journal ${path} has no header after rotation`);
    shiftGenerations(path, generations);
    return openLive(attempt + 1);
  }

  function current(): OpenFile | undefined {
    if (file || now() < retryAt) return file;
    try {
      file = openLive();
    } catch {
      retryAt = now() + RETRY_DELAY_MS;
    }
    return file;
  }

  function release(): void {
    if (!file) return;
    const { fd } = file;
    file = undefined;
    try {
      fsyncSync(fd);
    } catch {}
    try {
      closeSync(fd);
    } catch {}
  }

  function rotate(): void {
    release();
    try {
      shiftGenerations(path, generations);
    } catch {
      // The rename failed: keep appending to the same (oversized) file rather than losing records.
      rotateAt = now() + RETRY_DELAY_MS;
    }
  }

  function write(line: string): boolean {
    let target = current();
    if (!target) return false;
    const bytes = Buffer.byteLength(line);
    const full = target.size > target.headerBytes && target.size + bytes > maxBytes;
    if (full && now() >= rotateAt) {
      rotate();
      target = current();
      if (!target) return false;
    }
    try {
      if (target.torn) {
        writeAll(target.fd, NEWLINE);
        target.size += 1;
        target.torn = false;
      }
      writeLine(target.fd, line, bytes);
      target.size += bytes;
      dirty = true;
      return true;
    } catch {
      // The line may be half-written: reopening detects the torn tail and terminates it.
      release();
      retryAt = now() + RETRY_DELAY_MS;
      return false;
    }
  }

  function tick(): void {
    const target = file;
    if (!target) return;
    if (dirty) {
      dirty = false;
      fsync(target.fd, () => {});
    }
    // Someone removed or replaced the live file (e.g. an external logrotate): reopen by path.
    try {
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat || stat.ino !== target.ino) release();
    } catch {
      // cannot tell; keep the file we have
    }
  }

  /** Redacts and serialises one record; `undefined` (counted as dropped) when it cannot be. */
  function lineOf(record: LogRecord): string | undefined {
    try {
      return `${JSON.stringify(redactRecord(record, secrets()))}\n`;
    } catch {
      dropped += 1;
      return undefined;
    }
  }

  // writeBehind: records waiting for the next turn of the event loop.
  let batch: LogRecord[] = [];
  let batchTimer: ReturnType<typeof setTimeout> | undefined;

  function writeBatch(): void {
    clearTimeout(batchTimer);
    batchTimer = undefined;
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    let lines = "";
    let count = 0;
    for (const record of records) {
      const line = lineOf(record);
      if (line === undefined) continue;
      lines += line;
      count += 1;
    }
    if (count > 0 && !write(lines)) dropped += count;
  }

  const interval = options.fsyncIntervalMs ?? DEFAULT_FSYNC_INTERVAL_MS;
  const fsyncTimer = interval > 0 ? setInterval(tick, interval) : undefined;
  fsyncTimer?.unref();

  return {
    emit(record: LogRecord): void {
      if (closed) {
        dropped += 1;
        return;
      }
      if (options.writeBehind) {
        batch.push(record);
        if (batch.length >= MAX_BATCH_RECORDS) writeBatch();
        // Unreferenced: an exit writes the batch through `flush`/`close` (the daemon's exit hook).
        else batchTimer ??= setTimeout(writeBatch, WRITE_BEHIND_MS).unref();
        return;
      }
      const line = lineOf(record);
      if (line !== undefined && !write(line)) dropped += 1;
    },
    flush(): void {
      writeBatch();
      if (!file) return;
      try {
        fsyncSync(file.fd);
        dirty = false;
      } catch {}
    },
    close(): void {
      if (closed) return;
      writeBatch();
      closed = true;
      if (fsyncTimer) clearInterval(fsyncTimer);
      release();
    },
    get droppedRecords(): number {
      return dropped;
    },
  };
}

/** Writes a line of `bytes` UTF-8 bytes straight from the string (no intermediate buffer). */
function writeLine(fd: number, line: string, bytes: number): void {
  const written = writeSync(fd, line);
  // A regular file takes the whole line at once; should a write come up short, finish it from the bytes.
  if (written < bytes) writeAll(fd, Buffer.from(line).subarray(written));
}

function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

function lastByte(fd: number, size: number): number {
  const buffer = Buffer.alloc(1);
  readSync(fd, buffer, 0, 1, size - 1);
  return buffer[0] ?? 10;
}
