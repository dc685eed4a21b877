/**
 * write_file against real files: create-only by default, explicit overwrite that keeps the mode and
 * refuses a stale read, parent directories created inside the root only, containment refusals, a
 * turn's extra roots, the diagnostics hook, and registration through a real kernel host.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, nullLogger, type Tool } from "@dispatch/kernel";
import {
  createFileStateExtension,
  createFileStateLedger,
  type FileStateLedger,
  fileStateService,
  sha256,
} from "@dispatch/tool-kit";
import { createTestToolContext } from "@dispatch/tool-kit/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWriteFileExtension } from "./extension.ts";
import { createWriteFileTool } from "./write-file-tool.ts";

let base: string;
let cwd: string;
let ledger: FileStateLedger;
let tool: Tool;
const CONV = "conv-write";

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "write-file-"));
  cwd = join(base, "work");
  await mkdir(cwd);
  await mkdir(join(base, "data"));
  ledger = createFileStateLedger();
  tool = createWriteFileTool({ ledger, deniedRoots: [join(base, "data")] });
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function write(args: Record<string, unknown>) {
  return tool.execute(args, createTestToolContext({ cwd, conversationId: CONV }));
}

describe("write_file", () => {
  it("creates a file and its missing parent directories", async () => {
    const result = await write({
      path: "src/lib/util.ts",
      content: "export const a = 1;\nexport const b = 2;\n",
    });
    expect(result).toEqual({ content: "Created src/lib/util.ts (40 bytes, 2 lines)." });
    expect(await readFile(join(cwd, "src/lib/util.ts"), "utf8")).toBe(
      "export const a = 1;\nexport const b = 2;\n",
    );
    expect(ledger.get(CONV, join(cwd, "src/lib/util.ts"))?.sha256).toBe(
      sha256("export const a = 1;\nexport const b = 2;\n"),
    );
    expect(await readdir(join(cwd, "src/lib"))).toEqual(["util.ts"]);
  });

  it("refuses to replace an existing file unless overwrite is set", async () => {
    await writeFile(join(cwd, "keep.txt"), "original");
    const refused = await write({ path: "keep.txt", content: "clobber" });
    expect(refused).toEqual({
      content:
        "keep.txt already exists. Set overwrite: true to replace it, or use edit_file to change part of it.",
      isError: true,
    });
    expect(await readFile(join(cwd, "keep.txt"), "utf8")).toBe("original");
    await chmod(join(cwd, "keep.txt"), 0o640);
    const replaced = await write({ path: "keep.txt", content: "new", overwrite: true });
    expect(replaced.content).toBe("Overwrote keep.txt (3 bytes, 1 line).");
    expect(await readFile(join(cwd, "keep.txt"), "utf8")).toBe("new");
    expect((await stat(join(cwd, "keep.txt"))).mode & 0o7777).toBe(0o640);
  });

  it("refuses to overwrite a file that changed since the agent read it", async () => {
    await writeFile(join(cwd, "notes.md"), "v1");
    const stats = await stat(join(cwd, "notes.md"));
    ledger.record(CONV, join(cwd, "notes.md"), { mtimeMs: stats.mtimeMs, size: 2, sha256: sha256("v1") });
    await writeFile(join(cwd, "notes.md"), "v2 from the user");
    const result = await write({ path: "notes.md", content: "agent version", overwrite: true });
    expect(result.isError).toBe(true);
    expect(result.content).toContain("changed on disk since you last read it");
    expect(await readFile(join(cwd, "notes.md"), "utf8")).toBe("v2 from the user");
  });

  it("refuses directories, escapes, the data directory, and missing cwd", async () => {
    await mkdir(join(cwd, "dir"));
    expect((await write({ path: "dir", content: "x", overwrite: true })).content).toContain("is a directory");
    expect((await write({ path: "../escape.txt", content: "x" })).content).toContain(
      "outside the working directory",
    );
    await symlink(join(base, "data"), join(cwd, "data-link"));
    expect((await write({ path: "data-link/new/x.txt", content: "x" })).isError).toBe(true);
    await symlink("..", join(cwd, "up"));
    expect((await write({ path: "up/new-dir/x.txt", content: "x" })).isError).toBe(true);
    expect(await readdir(base)).toEqual(expect.arrayContaining(["data", "work"]));
    expect((await readdir(base)).length).toBe(2);
    expect(await readdir(join(base, "data"))).toEqual([]);
    const noCwd = await tool.execute({ path: "a.txt", content: "x" }, createTestToolContext());
    expect(noCwd.content).toContain("No working directory");
  });

  it("writes inside the turn's extra roots, but never into the denied data dir listed as one", async () => {
    await mkdir(join(base, "shared"));
    const rooted = createTestToolContext({ cwd, conversationId: CONV, roots: [join(base, "shared")] });
    const created = await tool.execute({ path: join(base, "shared/notes/a.md"), content: "hi\n" }, rooted);
    expect(created.isError).toBeFalsy();
    expect(await readFile(join(base, "shared/notes/a.md"), "utf8")).toBe("hi\n");
    const inData = createTestToolContext({ cwd, conversationId: CONV, roots: [join(base, "data")] });
    const refused = await tool.execute({ path: join(base, "data/token"), content: "x" }, inData);
    expect(refused.content).toContain("protected directory");
    expect(await readdir(join(base, "data"))).toEqual([]);
    expect((await write({ path: join(base, "shared/b.md"), content: "x" })).isError).toBe(true);
  });

  it("explains missing arguments", async () => {
    const result = await write({ path: "a.txt" });
    expect(result.content).toContain("`content` is required (expected string)");
  });
});

describe("createWriteFileExtension", () => {
  it("registers write_file on a real host, sharing the file-state ledger", async () => {
    const host = createHost({
      extensions: [createFileStateExtension(), createWriteFileExtension()],
      logger: nullLogger,
      now: Date.now,
      sleep: (ms) => Bun.sleep(ms),
    });
    await host.activate();
    const registered = host.api.tool("write_file");
    const result = await registered?.execute(
      { path: "hello.txt", content: "hi\n" },
      createTestToolContext({ cwd, conversationId: CONV }),
    );
    expect(result?.content).toBe("Created hello.txt (3 bytes, 1 line).");
    expect(host.api.getService(fileStateService).get(CONV, join(cwd, "hello.txt"))?.size).toBe(3);
    await host.deactivate();
  });
});
