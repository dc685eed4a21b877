/**
 * Rotation on disk: `app.ndjson` → `.1` → … → `.N`, the oldest dropped, and the next file number
 * when a sink starts without knowing it. Only the journal sink renames journal files.
 */
import { closeSync, openSync, renameSync, rmSync } from "node:fs";
import { listJournalFiles, readHeader } from "./header.ts";

/**
 * Shifts every generation one up, dropping those that would exceed `generations`, and renames the
 * live file to `.1`. Throws if a rename fails (the caller keeps writing to the live file).
 */
export function shiftGenerations(livePath: string, generations: number): void {
  const files = listJournalFiles(livePath);
  for (const file of files) if (file.generation >= generations) rmSync(file.path, { force: true });
  const kept = files.filter((file) => file.generation < generations).reverse();
  for (const file of kept) renameSync(file.path, `${livePath}.${file.generation + 1}`);
}

/** One more than the greatest header seq among the journal files on disk (1 when there are none). */
export function nextSeqOnDisk(livePath: string): number {
  let max = 0;
  for (const file of listJournalFiles(livePath)) {
    let fd: number | undefined;
    try {
      fd = openSync(file.path, "r");
      max = Math.max(max, readHeader(fd)?.seq ?? 0);
    } catch {
      // unreadable generation: ignore
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  return max + 1;
}
