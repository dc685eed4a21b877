/**
 * The `edit_file` tool: exact-string replacement in a contained text file. It refuses files the
 * agent has not read or that changed since, writes atomically (temp file + rename, mode kept), then
 * runs the `fileWrittenFilter` chain (per-edit diagnostics) and appends its notes to the result.
 */
import { lstatSync, type Stats } from "node:fs";
import type { Tool } from "@dispatch/kernel";
import {
  type AfterWrite,
  type ContainmentOptions,
  defineTool,
  type FileStateLedger,
  freshness,
  looksBinary,
  notesAfterWrite,
  openVerifiedFd,
  openWriteTarget,
  pathChanged,
  type ResolvedPath,
  readVerified,
  resolveInside,
  sha256,
  withTurnRoots,
  writeFileAtomic,
} from "@dispatch/tool-kit";
import { z } from "zod";
import { applyEdit } from "./apply-edit.ts";
import {
  binaryFile,
  multipleMatches,
  noChange,
  noMatch,
  notAFile,
  notRead,
  staleFile,
  tooLarge,
} from "./errors.ts";

/** The largest file edit_file will load. */
export const MAX_EDIT_BYTES = 10 * 1024 * 1024;

/** What `createEditFileTool` needs. */
export interface EditFileToolOptions extends ContainmentOptions {
  /** The file-state ledger (what the agent has read). */
  ledger: FileStateLedger;
  /** The `fileWrittenFilter` chain; absent means no diagnostics. */
  afterWrite?: AfterWrite;
}

const input = z.object({
  path: z.string().describe("Path of the file to edit, relative to the working directory."),
  oldString: z
    .string()
    .min(1, "must not be empty; to create a file use write_file")
    .describe(
      "The exact text to replace, including whitespace and indentation (without read_file's line numbers).",
    ),
  newString: z.string().describe("The text to put in its place."),
  replaceAll: z
    .boolean()
    .default(false)
    .describe("Replace every occurrence instead of requiring exactly one (default false)."),
});

const DESCRIPTION = `Edit a text file by replacing an exact string.
oldString must match the file exactly (whitespace and indentation included) and, unless replaceAll is true, occur exactly once; include enough surrounding lines to make it unique.
You must read the file with read_file first; an edit is refused if the file changed on disk since you last read it.
The write is atomic and keeps the file's permissions.`;

/** The `edit_file` tool. */
export function createEditFileTool(options: EditFileToolOptions): Tool {
  const { ledger, afterWrite, ...containment } = options;
  return defineTool({
    name: "edit_file",
    description: DESCRIPTION,
    input,
    async execute(args, ctx) {
      if (args.oldString === args.newString) throw noChange();
      const resolved = await resolveInside(ctx.cwd, args.path, withTurnRoots(containment, ctx.roots));
      if (resolved.kind !== "file") throw notAFile(resolved.display);
      const { content, stats } = await loadForEdit(resolved, ledger, ctx.conversationId);
      const outcome = applyEdit(content, args.oldString, args.newString, args.replaceAll);
      if (!outcome.ok) {
        if (outcome.reason === "no-match") throw noMatch(resolved.display, outcome.hint);
        throw multipleMatches(resolved.display, outcome.count, outcome.lines);
      }
      await replaceFile(resolved, outcome.content, stats, ledger, ctx.conversationId);
      const summary = `Edited ${resolved.display}: replaced ${outcome.count} occurrence${outcome.count === 1 ? "" : "s"}.`;
      const notes = await notesAfterWrite(afterWrite, {
        path: resolved.real,
        cwd: resolved.scope.cwd,
        conversationId: ctx.conversationId,
        signal: ctx.signal,
      });
      return [summary, ...notes].join("\n");
    },
  });
}

interface Loaded {
  content: string;
  stats: { mtimeMs: number; size: number; ino: number; dev: number; mode: number };
}

async function loadForEdit(
  resolved: ResolvedPath,
  ledger: FileStateLedger,
  conversationId: string,
): Promise<Loaded> {
  const opened = openVerifiedFd(resolved, "file");
  try {
    const { stats } = opened;
    if (stats.size > MAX_EDIT_BYTES) throw tooLarge(resolved.display, stats.size, MAX_EDIT_BYTES);
    const bytes = await readVerified(opened);
    if (looksBinary(bytes)) throw binaryFile(resolved.display);
    const current = { mtimeMs: stats.mtimeMs, size: bytes.byteLength, sha256: sha256(bytes) };
    const state = freshness(ledger.get(conversationId, resolved.real), current);
    if (state === "unseen") throw notRead(resolved.display);
    if (state === "stale") throw staleFile(resolved.display);
    return { content: new TextDecoder().decode(bytes), stats };
  } finally {
    opened.close();
  }
}

/** Writes the new content atomically, unless the file changed since it was loaded. */
async function replaceFile(
  resolved: ResolvedPath,
  content: string,
  loaded: Loaded["stats"],
  ledger: FileStateLedger,
  conversationId: string,
): Promise<void> {
  const target = openWriteTarget(resolved);
  try {
    const path = `${target.directory.anchor}/${target.name}`;
    const now = lstatOrUndefined(path);
    if (now === undefined || !now.isFile()) throw pathChanged(resolved.display);
    if (now.ino !== loaded.ino || now.mtimeMs !== loaded.mtimeMs || now.size !== loaded.size) {
      throw staleFile(resolved.display);
    }
    const bytes = Buffer.from(content, "utf8");
    await writeFileAtomic(target.directory.anchor, target.name, bytes, { mode: loaded.mode & 0o7777 });
    const written = lstatSync(path);
    ledger.record(conversationId, resolved.real, {
      mtimeMs: written.mtimeMs,
      size: written.size,
      sha256: sha256(bytes),
    });
  } finally {
    target.directory.close();
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
