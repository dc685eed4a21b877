/**
 * The journal's file header: the first line of every journal file is an ordinary `log` record that
 * names the file (`journal.fileId`) and numbers it (`journal.seq`, +1 per new file). Readers (the
 * collector) identify a file by its header, never by its name, so a rename during rotation is harmless.
 */
import { readdirSync, readSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { LogRecord } from "@dispatch/kernel";

/** `msg` of a header record. */
export const JOURNAL_HEADER_MSG = "journal.open";
/** `extensionId` of a header record. */
export const JOURNAL_EXTENSION_ID = "journal-sink";
/** Version of the line format, written in every header. */
export const JOURNAL_FORMAT = 1;

const HEADER_PROBE_BYTES = 4096;

/** What a header says about its file. */
export interface JournalHeader {
  fileId: string;
  /** Order of creation: a newer file has a greater seq; consecutive files differ by 1. */
  seq: number;
  timestamp: number;
}

/** The header record of a new journal file. */
export function createHeaderRecord(header: JournalHeader): LogRecord {
  return {
    kind: "log",
    level: "info",
    msg: JOURNAL_HEADER_MSG,
    timestamp: header.timestamp,
    extensionId: JOURNAL_EXTENSION_ID,
    attributes: {
      "journal.fileId": header.fileId,
      "journal.seq": header.seq,
      "journal.format": JOURNAL_FORMAT,
    },
  };
}

/** The header in a journal line, or `undefined` if the line is not a header. */
export function parseHeaderLine(line: string): JournalHeader | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Partial<{
    msg: unknown;
    extensionId: unknown;
    timestamp: unknown;
    attributes: unknown;
  }>;
  if (record.msg !== JOURNAL_HEADER_MSG || record.extensionId !== JOURNAL_EXTENSION_ID) return undefined;
  const attributes = record.attributes as Record<string, unknown> | undefined;
  const fileId = attributes?.["journal.fileId"];
  const seq = attributes?.["journal.seq"];
  if (typeof fileId !== "string" || typeof seq !== "number" || !Number.isSafeInteger(seq)) return undefined;
  return { fileId, seq, timestamp: typeof record.timestamp === "number" ? record.timestamp : 0 };
}

/** Reads the header of an open journal file. Contract: never throws; `undefined` when absent or torn. */
export function readHeader(fd: number): JournalHeader | undefined {
  try {
    const buffer = Buffer.alloc(HEADER_PROBE_BYTES);
    const read = readSync(fd, buffer, 0, HEADER_PROBE_BYTES, 0);
    const end = buffer.subarray(0, read).indexOf(10);
    if (end < 0) return undefined;
    return parseHeaderLine(buffer.toString("utf8", 0, end));
  } catch {
    return undefined;
  }
}

/** The rotated generation number of `name` relative to the live file (0 = live), or `undefined`. */
export function generationOf(livePath: string, name: string): number | undefined {
  const base = basename(livePath);
  if (name === base) return 0;
  if (!name.startsWith(`${base}.`)) return undefined;
  const suffix = name.slice(base.length + 1);
  return /^[1-9][0-9]*$/.test(suffix) ? Number(suffix) : undefined;
}

/** Every journal file next to `livePath` (live and rotated), as `{ path, generation }`. Contract: never throws. */
export function listJournalFiles(livePath: string): { path: string; generation: number }[] {
  const dir = dirname(livePath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const files: { path: string; generation: number }[] = [];
  for (const name of names) {
    const generation = generationOf(livePath, name);
    if (generation !== undefined) files.push({ path: join(dir, name), generation });
  }
  return files.sort((a, b) => a.generation - b.generation);
}
