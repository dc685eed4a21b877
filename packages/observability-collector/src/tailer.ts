/**
 * Following the journal across rotation. A position is `{ fileId, seq, offset }`: the file is
 * identified by its header (never by its name), so it is found again after any number of renames.
 * The tailer holds the file open, reads it in bounded chunks up to the last complete line, and when
 * the file is no longer the live one it drains it and moves to the file whose header seq is next.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { type JournalHeader, listJournalFiles, readHeader } from "@dispatch/journal-sink";
import type { Logger } from "@dispatch/kernel";

/** Where ingestion stands: the next unread byte of a journal file. */
export interface JournalCursor {
  fileId: string;
  seq: number;
  offset: number;
}

/** Complete lines read from one file, and the cursor just after them. */
export interface TailBatch {
  lines: string[];
  cursor: JournalCursor;
  /** Lines dropped unread (longer than `maxLineBytes`, or a torn last line of a finished file). */
  skipped: number;
}

/** Options of `createJournalTailer`. */
export interface JournalTailerOptions {
  /** The live journal path (`app.ndjson`); rotated files sit next to it. */
  path: string;
  /** Where to resume; `null` starts at the oldest file on disk. */
  cursor: JournalCursor | null;
  logger: Logger;
  /** Bytes read per chunk (and per batch); default 1 MiB. */
  chunkBytes?: number;
  /** Longer lines are skipped; default 32 MiB. */
  maxLineBytes?: number;
}

/** A journal follower. */
export interface JournalTailer {
  /**
   * Reads everything written so far, following rotations, calling `onBatch` per chunk. The position
   * advances only when `onBatch` returns; if it throws, the next poll re-reads the same lines.
   */
  poll(onBatch: (batch: TailBatch) => void): void;
  close(): void;
}

interface OpenFile {
  fd: number;
  ino: number;
  dev: number;
  header: JournalHeader;
  generation: number;
}

interface Reader extends OpenFile {
  offset: number;
}

const MAX_HOPS_PER_POLL = 10_000;

/** Creates a tailer; files are opened on the first poll. */
export function createJournalTailer(options: JournalTailerOptions): JournalTailer {
  const { path, logger } = options;
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  const maxLineBytes = options.maxLineBytes ?? 32 * 1024 * 1024;
  const chunk = Buffer.allocUnsafe(chunkBytes);
  let reader: Reader | undefined;
  let resumeAt = options.cursor;
  /** A move that would lose data is made only if the same target is chosen on two consecutive polls. */
  let pendingLossy: string | undefined;

  const cursorOf = (r: Reader, offset = r.offset): JournalCursor => ({
    fileId: r.header.fileId,
    seq: r.header.seq,
    offset,
  });

  function confirmLossy(target: OpenFile, reason: string): boolean {
    if (pendingLossy !== target.header.fileId) {
      pendingLossy = target.header.fileId;
      return false;
    }
    pendingLossy = undefined;
    logger.warn(`journal records were lost before ingestion: ${reason}`, {
      fromSeq: resumeAt?.seq ?? reader?.header.seq ?? 0,
      toSeq: target.header.seq,
    });
    return true;
  }

  function open(): boolean {
    const files = scan(path);
    let chosen: OpenFile | undefined;
    try {
      if (!resumeAt) {
        chosen = files.sort((a, b) => a.header.seq - b.header.seq)[0];
        if (chosen) reader = { ...chosen, offset: 0 };
        return chosen !== undefined;
      }
      const resume = resumeAt;
      chosen = files.find((file) => file.header.fileId === resume.fileId);
      if (chosen) {
        const size = fstatSync(chosen.fd).size;
        if (size < resume.offset)
          logger.warn("journal file shrank below the cursor; re-reading it", { seq: resume.seq });
        reader = { ...chosen, offset: size < resume.offset ? 0 : resume.offset };
        return true;
      }
      chosen = pickNext(files, resume.fileId, resume.seq);
      if (!chosen || !confirmLossy(chosen, "the cursor's journal file was rotated away")) {
        chosen = undefined;
        return false;
      }
      reader = { ...chosen, offset: 0 };
      return true;
    } finally {
      for (const file of files) if (file !== chosen) closeQuietly(file.fd);
    }
  }

  function isLive(r: Reader): boolean {
    const stat = statSync(path, { throwIfNoEntry: false });
    return stat !== undefined && stat.ino === r.ino && stat.dev === r.dev;
  }

  /** The file after `r`, or undefined while there is none (yet). */
  function successor(r: Reader): OpenFile | undefined {
    const files = scan(path);
    let chosen = pickNext(files, r.header.fileId, r.header.seq);
    if (chosen && chosen.header.seq !== r.header.seq + 1) {
      if (!confirmLossy(chosen, "journal generations were dropped before they were read")) chosen = undefined;
    }
    for (const file of files) if (file !== chosen) closeQuietly(file.fd);
    return chosen;
  }

  function read(fd: number, position: number, length: number): Buffer {
    const target = length <= chunkBytes ? chunk : Buffer.allocUnsafe(length);
    const count = readSync(fd, target, 0, length, position);
    return target.subarray(0, count);
  }

  /** Where the line starting at `from` ends (index of its newline), "eof" if unterminated, or "too-long". */
  function lineEnd(fd: number, from: number): number | "eof" | "too-long" {
    for (let position = from; position - from <= maxLineBytes; ) {
      const bytes = read(fd, position, chunkBytes);
      if (bytes.length === 0) return "eof";
      const newline = bytes.indexOf(10);
      if (newline >= 0) return position + newline;
      position += bytes.length;
    }
    return "too-long";
  }

  function skipLine(fd: number, from: number): number | undefined {
    for (let position = from; ; ) {
      const bytes = read(fd, position, chunkBytes);
      if (bytes.length === 0) return undefined;
      const newline = bytes.indexOf(10);
      if (newline >= 0) return position + newline + 1;
      position += bytes.length;
    }
  }

  function commit(r: Reader, batch: TailBatch, onBatch: (batch: TailBatch) => void): void {
    onBatch(batch);
    r.offset = batch.cursor.offset;
    resumeAt = batch.cursor;
  }

  /** Reads `r` from its offset to its last complete line. */
  function drain(r: Reader, onBatch: (batch: TailBatch) => void): void {
    for (;;) {
      const bytes = read(r.fd, r.offset, chunkBytes);
      if (bytes.length === 0) return;
      const last = bytes.lastIndexOf(10);
      if (last >= 0) {
        const lines = bytes.toString("utf8", 0, last).split("\n");
        commit(
          r,
          {
            lines: lines.filter((line) => line !== ""),
            cursor: cursorOf(r, r.offset + last + 1),
            skipped: 0,
          },
          onBatch,
        );
        if (bytes.length < chunkBytes) return;
        continue;
      }
      if (bytes.length < chunkBytes) return;
      const end = lineEnd(r.fd, r.offset);
      if (end === "eof") return;
      if (end === "too-long") {
        const next = skipLine(r.fd, r.offset);
        if (next === undefined) return;
        logger.warn("skipped an over-long journal line", {
          seq: r.header.seq,
          offset: r.offset,
          maxLineBytes,
        });
        commit(r, { lines: [], cursor: cursorOf(r, next), skipped: 1 }, onBatch);
        continue;
      }
      const line = read(r.fd, r.offset, end - r.offset).toString("utf8");
      commit(r, { lines: [line], cursor: cursorOf(r, end + 1), skipped: 0 }, onBatch);
    }
  }

  function moveTo(r: Reader, next: OpenFile, onBatch: (batch: TailBatch) => void): Reader {
    const tornTail = fstatSync(r.fd).size > r.offset ? 1 : 0;
    const moved: Reader = { ...next, offset: 0 };
    try {
      onBatch({ lines: [], cursor: cursorOf(moved), skipped: tornTail });
    } catch (err) {
      closeQuietly(next.fd);
      throw err;
    }
    closeQuietly(r.fd);
    resumeAt = cursorOf(moved);
    return moved;
  }

  return {
    poll(onBatch) {
      if (!reader && !open()) return;
      for (let hop = 0; hop < MAX_HOPS_PER_POLL && reader; hop += 1) {
        // Checked before draining: once the file is not live, no more writes can reach it.
        const live = isLive(reader);
        drain(reader, onBatch);
        if (live) return;
        const next = successor(reader);
        if (!next) return;
        reader = moveTo(reader, next, onBatch);
      }
    },
    close() {
      if (reader) closeQuietly(reader.fd);
      reader = undefined;
    },
  };
}

/** Opens every journal file that has a header (the header is read from the open fd, so it is the file's own). */
function scan(path: string): OpenFile[] {
  const files: OpenFile[] = [];
  for (const file of listJournalFiles(path)) {
    let fd: number;
    try {
      fd = openSync(file.path, "r");
    } catch {
      continue;
    }
    const header = readHeader(fd);
    if (!header) {
      closeQuietly(fd);
      continue;
    }
    const stat = fstatSync(fd);
    files.push({ fd, ino: stat.ino, dev: stat.dev, header, generation: file.generation });
  }
  return files;
}

/**
 * The file to read after the one numbered `seq`: the lowest greater seq; or, if the journal was
 * reset (the live file's seq went down), its oldest file.
 */
function pickNext(files: readonly OpenFile[], fileId: string, seq: number): OpenFile | undefined {
  const bySeq = [...files].sort((a, b) => a.header.seq - b.header.seq);
  const newer = bySeq.find((file) => file.header.seq > seq);
  if (newer) return newer;
  const live = files.find((file) => file.generation === 0);
  if (!live || live.header.seq >= seq) return undefined;
  return bySeq.find((file) => file.header.fileId !== fileId && file.header.seq <= live.header.seq);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
