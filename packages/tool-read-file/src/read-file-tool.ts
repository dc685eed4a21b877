/**
 * The `read_file` tool: numbered lines of a text file (paged by `offset`/`limit`, capped), a
 * description of a binary file, or a directory listing, for paths contained in the working
 * directory. Each read is recorded in the file-state ledger so `edit_file` can detect stale edits.
 */
import { type Dirent, readdirSync, readSync } from "node:fs";
import { readdir } from "node:fs/promises";
import type { Tool } from "@dispatch/kernel";
import {
  type ContainmentOptions,
  defineTool,
  type FileStateLedger,
  looksBinary,
  openVerifiedFd,
  type ResolvedPath,
  readVerified,
  readVerifiedAt,
  resolveInside,
  sha256,
  TEXT_SAMPLE_BYTES,
  ToolFailure,
  type VerifiedFd,
  withTurnRoots,
} from "@dispatch/tool-kit";
import { z } from "zod";
import { describeBinary, formatDirectory, formatLines, type ListedEntry, splitLines } from "./format.ts";

/** Lines returned when `limit` is not given. */
export const DEFAULT_LIMIT = 2_000;
/** The largest `limit` accepted. */
export const MAX_LIMIT = 5_000;
/** Files up to this size are read whole (and hashed for the stale-edit guard); larger ones are streamed. */
export const FULL_READ_BYTES = 10 * 1024 * 1024;

const CHUNK_BYTES = 64 * 1024;
/**
 * Directories whose size (as `fstat` reports it, which grows with the entries on ext4, btrfs, xfs
 * and tmpfs) is at most this are listed with a synchronous `readdir` (about 1,500 entries on ext4,
 * ~0.6 ms); larger ones through the thread pool, so a huge directory never holds the event loop.
 */
const SYNC_LIST_MAX_BYTES = 64 * 1024;

/** What `createReadFileTool` needs. */
export interface ReadFileToolOptions extends ContainmentOptions {
  /** Where reads are recorded (the `file-state` extension's ledger). */
  ledger: FileStateLedger;
}

const input = z.object({
  path: z
    .string()
    .describe("File or directory path, relative to the working directory (or absolute inside it)."),
  offset: z.number().int().min(1).optional().describe("1-based line to start from (default 1)."),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_LIMIT)
    .optional()
    .describe(`Maximum number of lines to return (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}).`),
});

const DESCRIPTION = `Read a text file, or list a directory, inside the working directory.
Returns numbered lines as "<n>: <text>". Read long files in pages with offset (1-based line) and limit.
Lines over 2,000 characters are cut, and the output stops at 50,000 characters with a note telling you the offset to continue from.
Binary files are described, not shown. Read a file before changing it with edit_file.`;

/** The `read_file` tool. */
export function createReadFileTool(options: ReadFileToolOptions): Tool {
  const { ledger, ...containment } = options;
  return defineTool({
    name: "read_file",
    description: DESCRIPTION,
    input,
    concurrencySafe: true,
    async execute(args, ctx) {
      const resolved = await resolveInside(ctx.cwd, args.path, withTurnRoots(containment, ctx.roots));
      if (resolved.kind === "directory") return listDirectory(resolved);
      const opened = openVerifiedFd(resolved, "file");
      try {
        const page = {
          offset: args.offset ?? 1,
          limit: args.limit ?? DEFAULT_LIMIT,
          display: resolved.display,
        };
        const { stats } = opened;
        if (stats.size <= FULL_READ_BYTES) {
          const bytes = await readVerified(opened);
          ledger.record(ctx.conversationId, resolved.real, {
            mtimeMs: stats.mtimeMs,
            size: bytes.byteLength,
            sha256: sha256(bytes),
          });
          if (bytes.byteLength === 0) return `(empty file: ${resolved.display})`;
          if (looksBinary(bytes)) {
            return describeBinary(resolved.display, bytes.byteLength, bytes);
          }
          const lines = splitLines(new TextDecoder().decode(bytes));
          return pageResult(await formatLines(fromArray(lines), { ...page, total: lines.length }));
        }
        ledger.record(ctx.conversationId, resolved.real, { mtimeMs: stats.mtimeMs, size: stats.size });
        const sample = new Uint8Array(TEXT_SAMPLE_BYTES);
        readSync(opened.fd, sample, 0, TEXT_SAMPLE_BYTES, 0);
        if (looksBinary(sample)) return describeBinary(resolved.display, stats.size, sample);
        return pageResult(await formatLines(streamLines(opened), page));
      } finally {
        opened.close();
      }
    },
  });
}

function pageResult(page: Awaited<ReturnType<typeof formatLines>>): string {
  if (!page.ok) throw new ToolFailure("BAD_OFFSET", page.message);
  return page.text;
}

async function listDirectory(resolved: ResolvedPath): Promise<string> {
  const opened = openVerifiedFd(resolved, "directory");
  try {
    const entries: Dirent[] =
      opened.stats.size <= SYNC_LIST_MAX_BYTES
        ? readdirSync(opened.anchor, { withFileTypes: true })
        : await readdir(opened.anchor, { withFileTypes: true });
    const listed: ListedEntry[] = entries.map((entry) => ({
      name: entry.name,
      kind: entry.isDirectory()
        ? "directory"
        : entry.isSymbolicLink()
          ? "symlink"
          : entry.isFile()
            ? "file"
            : "other",
    }));
    return formatDirectory(resolved.display === "." ? "." : `${resolved.display}/`, listed);
  } finally {
    opened.close();
  }
}

async function* fromArray(lines: readonly string[]): AsyncIterable<string> {
  yield* lines;
}

/** Lines of a large file, read in chunks from the verified descriptor (asynchronously: it is large). */
async function* streamLines(opened: VerifiedFd): AsyncIterable<string> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(CHUNK_BYTES);
  let position = 0;
  let pending = "";
  for (;;) {
    const bytesRead = await readVerifiedAt(opened, buffer, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    pending += decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    yield* parts;
  }
  pending += decoder.decode();
  if (pending !== "") yield pending;
}
