/**
 * The `write_file` tool: creates a file (and its missing parent directories) inside the working
 * directory, or replaces one when `overwrite` is set. Writes are atomic and keep an overwritten
 * file's mode; the `fileWrittenFilter` chain's notes (diagnostics) are appended to the result.
 */
import { lstatSync } from "node:fs";
import type { Tool } from "@dispatch/kernel";
import {
  type AfterWrite,
  type ContainmentOptions,
  defineTool,
  type FileStateLedger,
  freshness,
  notesAfterWrite,
  openVerifiedFd,
  openWriteTarget,
  type ResolvedPath,
  readVerified,
  resolveInside,
  sha256,
  ToolFailure,
  withTurnRoots,
  writeFileAtomic,
} from "@dispatch/tool-kit";
import { z } from "zod";

/** What `createWriteFileTool` needs. */
export interface WriteFileToolOptions extends ContainmentOptions {
  /** The file-state ledger: written files count as seen; an overwrite of a stale read is refused. */
  ledger: FileStateLedger;
  /** The `fileWrittenFilter` chain; absent means no diagnostics. */
  afterWrite?: AfterWrite;
}

const input = z.object({
  path: z
    .string()
    .describe("Path of the file, relative to the working directory. Missing directories are created."),
  content: z.string().describe("The complete content of the file."),
  overwrite: z
    .boolean()
    .default(false)
    .describe("Replace the file if it exists (default false: refuse, so nothing is clobbered by accident)."),
});

const DESCRIPTION = `Create a file with the given content, inside the working directory; missing parent directories are created.
Refuses to replace an existing file unless overwrite is true. To change part of a file, use edit_file instead.
The write is atomic; an overwritten file keeps its permissions.`;

/** The `write_file` tool. */
export function createWriteFileTool(options: WriteFileToolOptions): Tool {
  const { ledger, afterWrite, ...containment } = options;
  return defineTool({
    name: "write_file",
    description: DESCRIPTION,
    input,
    async execute(args, ctx) {
      const resolved = await resolveInside(ctx.cwd, args.path, {
        ...withTurnRoots(containment, ctx.roots),
        allowMissing: true,
      });
      let mode: number | undefined;
      if (resolved.exists) {
        if (resolved.kind === "directory") {
          throw new ToolFailure("IS_DIRECTORY", `${resolved.display} is a directory; give a file path.`);
        }
        if (!args.overwrite) {
          throw new ToolFailure(
            "EXISTS",
            `${resolved.display} already exists. Set overwrite: true to replace it, or use edit_file to change part of it.`,
          );
        }
        mode = await checkOverwrite(resolved, ledger, ctx.conversationId);
      }
      const bytes = Buffer.from(args.content, "utf8");
      await write(resolved, bytes, mode, ledger, ctx.conversationId);
      const lines =
        args.content === "" ? 0 : args.content.split("\n").length - (args.content.endsWith("\n") ? 1 : 0);
      const verb = resolved.exists ? "Overwrote" : "Created";
      const summary = `${verb} ${resolved.display} (${bytes.byteLength.toLocaleString("en-US")} bytes, ${lines} line${lines === 1 ? "" : "s"}).`;
      return [
        summary,
        ...(await notesAfterWrite(afterWrite, {
          path: resolved.real,
          cwd: resolved.scope.cwd,
          conversationId: ctx.conversationId,
          signal: ctx.signal,
        })),
      ].join("\n");
    },
  });
}

/** An overwrite of a file the agent read is refused if the file changed since; returns its mode. */
async function checkOverwrite(
  resolved: ResolvedPath,
  ledger: FileStateLedger,
  conversationId: string,
): Promise<number> {
  const opened = openVerifiedFd(resolved, "file");
  try {
    const seen = ledger.get(conversationId, resolved.real);
    if (seen !== undefined) {
      const bytes = await readVerified(opened);
      const current = { mtimeMs: opened.stats.mtimeMs, size: bytes.byteLength, sha256: sha256(bytes) };
      if (freshness(seen, current) === "stale") {
        throw new ToolFailure(
          "STALE_FILE",
          `${resolved.display} changed on disk since you last read it. Call read_file to see the current content before replacing it.`,
        );
      }
    }
    return opened.stats.mode & 0o7777;
  } finally {
    opened.close();
  }
}

async function write(
  resolved: ResolvedPath,
  bytes: Uint8Array,
  mode: number | undefined,
  ledger: FileStateLedger,
  conversationId: string,
): Promise<void> {
  const target = openWriteTarget(resolved);
  try {
    await writeFileAtomic(target.directory.anchor, target.name, bytes, {
      ...(mode === undefined ? {} : { mode }),
      exclusive: !resolved.exists,
    });
    const written = lstatSync(`${target.directory.anchor}/${target.name}`);
    ledger.record(conversationId, resolved.real, {
      mtimeMs: written.mtimeMs,
      size: written.size,
      sha256: sha256(bytes),
    });
  } catch (err) {
    if (err instanceof ToolFailure && err.code === "EXISTS") {
      throw new ToolFailure(
        "EXISTS",
        `${resolved.display} was created by someone else just now. Read it, then decide.`,
      );
    }
    throw err;
  } finally {
    target.directory.close();
  }
}
