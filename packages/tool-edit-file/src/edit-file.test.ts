/**
 * edit_file against real files: replacement rules and their error messages, the stale-read guard,
 * atomic writes that keep the mode, a turn's extra roots (denied roots still win), the diagnostics
 * hook (directly and through a real host's `fileWrittenFilter`), and a child process SIGKILLed
 * during large edits that never leaves a half-written file.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, type Extension, KERNEL_API_VERSION, nullLogger, type Tool } from "@dispatch/kernel";
import {
  createFileStateExtension,
  createFileStateLedger,
  type FileStateLedger,
  fileStateService,
  fileWrittenFilter,
  sha256,
  TEMP_SUFFIX,
} from "@dispatch/tool-kit";
import { createTestToolContext } from "@dispatch/tool-kit/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEditFileTool } from "./edit-file-tool.ts";
import { createEditFileExtension } from "./extension.ts";

let base: string;
let cwd: string;
let ledger: FileStateLedger;
let tool: Tool;
const CONV = "conv-edit";

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "edit-file-"));
  cwd = join(base, "work");
  await mkdir(join(cwd, "src"), { recursive: true });
  ledger = createFileStateLedger();
  tool = createEditFileTool({ ledger });
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Creates a file and records it as read, as read_file would. */
async function seen(path: string, content: string | Uint8Array, conversationId = CONV): Promise<void> {
  await writeFile(join(cwd, path), content);
  const stats = await stat(join(cwd, path));
  ledger.record(conversationId, join(cwd, path), {
    mtimeMs: stats.mtimeMs,
    size: stats.size,
    sha256: sha256(typeof content === "string" ? Buffer.from(content) : content),
  });
}

function edit(args: Record<string, unknown>) {
  return tool.execute(args, createTestToolContext({ cwd, conversationId: CONV }));
}

describe("edit_file", () => {
  it("replaces exactly one occurrence and keeps the file mode", async () => {
    await seen("run.sh", "#!/bin/sh\necho old\n");
    await chmod(join(cwd, "run.sh"), 0o754);
    const result = await edit({ path: "run.sh", oldString: "echo old", newString: "echo new" });
    expect(result).toEqual({ content: "Edited run.sh: replaced 1 occurrence." });
    expect(await readFile(join(cwd, "run.sh"), "utf8")).toBe("#!/bin/sh\necho new\n");
    expect((await stat(join(cwd, "run.sh"))).mode & 0o7777).toBe(0o754);
    expect((await readdir(cwd)).sort()).toEqual(["run.sh", "src"]);
  });

  it("allows consecutive edits (its own writes count as seen)", async () => {
    await seen("a.txt", "one two three");
    await edit({ path: "a.txt", oldString: "one", newString: "1" });
    const second = await edit({ path: "a.txt", oldString: "two", newString: "2" });
    expect(second.isError).toBeUndefined();
    expect(await readFile(join(cwd, "a.txt"), "utf8")).toBe("1 2 three");
  });

  it("refuses several matches, naming the lines, unless replaceAll", async () => {
    await seen("src/m.ts", "let x = 1;\nfoo();\nlet y = 2;\nfoo();\n");
    const refused = await edit({ path: "src/m.ts", oldString: "foo();", newString: "bar();" });
    expect(refused.isError).toBe(true);
    expect(refused.content).toBe(
      "oldString occurs 2 times in src/m.ts (lines 2, 4). Include more surrounding lines in oldString so it matches exactly once, or set replaceAll: true to replace all 2.",
    );
    const all = await edit({ path: "src/m.ts", oldString: "foo();", newString: "bar();", replaceAll: true });
    expect(all.content).toBe("Edited src/m.ts: replaced 2 occurrences.");
    expect(await readFile(join(cwd, "src/m.ts"), "utf8")).toBe("let x = 1;\nbar();\nlet y = 2;\nbar();\n");
  });

  it("explains a missing match and what to do", async () => {
    await seen("b.ts", "function f() {\n    return 1;\n}\n");
    const plain = await edit({ path: "b.ts", oldString: "return 2;", newString: "x" });
    expect(plain.content).toContain("oldString was not found in b.ts");
    expect(plain.content).toContain("Call read_file again and copy the text exactly");
    const spaced = await edit({ path: "b.ts", oldString: "function f() {\n  return 1;", newString: "x" });
    expect(spaced.content).toContain("does match if whitespace is ignored");
    const numbered = await edit({ path: "b.ts", oldString: "2:     return 1;", newString: "x" });
    expect(numbered.content).toContain("line numbers");
  });

  it("matches LF text against a CRLF file and keeps CRLF", async () => {
    await seen("win.txt", "a\r\nb\r\nc\r\n");
    const result = await edit({ path: "win.txt", oldString: "a\nb", newString: "A\nB" });
    expect(result.isError).toBeUndefined();
    expect(await readFile(join(cwd, "win.txt"), "utf8")).toBe("A\r\nB\r\nc\r\n");
  });

  it("refuses a file it has not read, and one changed behind its back", async () => {
    await writeFile(join(cwd, "unread.txt"), "hello");
    const unread = await edit({ path: "unread.txt", oldString: "hello", newString: "bye" });
    expect(unread.content).toContain("You have not read unread.txt in this conversation. Call read_file");
    expect(await readFile(join(cwd, "unread.txt"), "utf8")).toBe("hello");

    await seen("shared.txt", "version 1");
    await writeFile(join(cwd, "shared.txt"), "version 2 by the user");
    const stale = await edit({ path: "shared.txt", oldString: "version", newString: "v" });
    expect(stale.isError).toBe(true);
    expect(stale.content).toContain("changed on disk since you last read it");
    expect(await readFile(join(cwd, "shared.txt"), "utf8")).toBe("version 2 by the user");

    // Another conversation's read does not count.
    await seen("other.txt", "x", "conv-other");
    expect((await edit({ path: "other.txt", oldString: "x", newString: "y" })).content).toContain("not read");
  });

  it("refuses identical strings, an empty oldString, directories, binary files and escapes", async () => {
    await seen("c.txt", "same");
    expect((await edit({ path: "c.txt", oldString: "same", newString: "same" })).content).toContain(
      "identical",
    );
    const empty = await edit({ path: "c.txt", oldString: "", newString: "x" });
    expect(empty.content).toContain("`oldString`: must not be empty; to create a file use write_file");
    expect((await edit({ path: "src", oldString: "a", newString: "b" })).content).toContain("is a directory");
    await seen("img.bin", new Uint8Array([0, 1, 2, 3]));
    expect((await edit({ path: "img.bin", oldString: "a", newString: "b" })).content).toContain(
      "not a text file",
    );
    await writeFile(join(base, "outside.txt"), "secret");
    const escaped = await edit({ path: "../outside.txt", oldString: "secret", newString: "pwned" });
    expect(escaped.content).toContain("outside the working directory");
    expect(await readFile(join(base, "outside.txt"), "utf8")).toBe("secret");
  });

  it("edits inside the turn's extra roots, but never in a denied root listed as one", async () => {
    const shared = join(base, "shared");
    await mkdir(shared);
    const file = join(shared, "doc.md");
    await writeFile(file, "old text");
    const stats = await stat(file);
    ledger.record(CONV, file, {
      mtimeMs: stats.mtimeMs,
      size: stats.size,
      sha256: sha256(Buffer.from("old text")),
    });
    const args = { path: file, oldString: "old", newString: "new" };
    expect((await edit(args)).content).toContain("outside the working directory");
    const guarded = createEditFileTool({ ledger, deniedRoots: [shared] });
    const rooted = createTestToolContext({ cwd, conversationId: CONV, roots: [shared] });
    expect((await guarded.execute(args, rooted)).content).toContain("protected directory");
    expect(await readFile(file, "utf8")).toBe("old text");
    expect((await tool.execute(args, rooted)).isError).toBeFalsy();
    expect(await readFile(file, "utf8")).toBe("new text");
  });

  it("appends the notes of the after-write hook", async () => {
    const calls: { path: string; cwd: string; conversationId: string }[] = [];
    const hooked = createEditFileTool({
      ledger,
      afterWrite: async (written) => {
        calls.push({ path: written.path, cwd: written.cwd, conversationId: written.conversationId });
        return { ...written, notes: [...written.notes, "src/d.ts:1:5 error: Cannot find name 'y'."] };
      },
    });
    await seen("src/d.ts", "const x = 1;");
    const result = await hooked.execute(
      { path: "src/d.ts", oldString: "x", newString: "y = x" },
      createTestToolContext({ cwd, conversationId: CONV }),
    );
    expect(result.content).toBe(
      "Edited src/d.ts: replaced 1 occurrence.\nsrc/d.ts:1:5 error: Cannot find name 'y'.",
    );
    expect(calls).toEqual([{ path: join(cwd, "src/d.ts"), cwd, conversationId: CONV }]);
  });
});

describe("createEditFileExtension", () => {
  it("runs fileWrittenFilter filters registered by another extension", async () => {
    const diagnostics: Extension = {
      manifest: {
        id: "fake-lsp",
        version: "0.1.0",
        apiVersion: KERNEL_API_VERSION,
        dependsOn: ["file-state"],
      },
      activate(host) {
        host.addFilter(fileWrittenFilter, (written) => ({
          ...written,
          notes: [...written.notes, `diagnostics for ${written.path.slice(written.cwd.length + 1)}: none`],
        }));
      },
    };
    const host = createHost({
      extensions: [createEditFileExtension(), createFileStateExtension(), diagnostics],
      logger: nullLogger,
      now: Date.now,
      sleep: (ms) => Bun.sleep(ms),
    });
    await host.activate();
    const editTool = host.api.tool("edit_file");
    const hostLedger = host.api.getService(fileStateService);
    await writeFile(join(cwd, "e.ts"), "let a = 1;");
    const stats = await stat(join(cwd, "e.ts"));
    hostLedger.record(CONV, join(cwd, "e.ts"), {
      mtimeMs: stats.mtimeMs,
      size: stats.size,
      sha256: sha256("let a = 1;"),
    });
    const result = await editTool?.execute(
      { path: "e.ts", oldString: "1", newString: "2" },
      createTestToolContext({ cwd, conversationId: CONV }),
    );
    expect(result?.content).toBe("Edited e.ts: replaced 1 occurrence.\ndiagnostics for e.ts: none");
    await host.deactivate();
  });
});

describe("edit_file under SIGKILL", () => {
  it("leaves the old or the new content, never a partial file", async () => {
    const lines = 600_000;
    const allA = "A-line\n".repeat(lines);
    const allB = "B-line\n".repeat(lines);
    const target = join(cwd, "big.txt");
    await writeFile(target, allA);
    const script = join(base, "editor.ts");
    await writeFile(
      script,
      `import { createEditFileTool } from ${JSON.stringify(join(import.meta.dir, "edit-file-tool.ts"))};
import { createFileStateLedger, sha256 } from ${JSON.stringify(import.meta.resolve("@dispatch/tool-kit").replace("file://", ""))};
import { createTestToolContext } from ${JSON.stringify(import.meta.resolve("@dispatch/tool-kit/testing").replace("file://", ""))};
import { readFileSync, statSync } from "node:fs";
const [cwd, path] = process.argv.slice(2);
const ledger = createFileStateLedger();
const stats = statSync(cwd + "/" + path);
ledger.record("c", cwd + "/" + path, { mtimeMs: stats.mtimeMs, size: stats.size, sha256: sha256(readFileSync(cwd + "/" + path)) });
const tool = createEditFileTool({ ledger });
const ctx = createTestToolContext({ cwd, conversationId: "c" });
process.stdout.write("ready\\n");
const startsWithA = readFileSync(cwd + "/" + path, "utf8").startsWith("A");
for (let i = startsWithA ? 0 : 1; ; i++) {
  const [from, to] = i % 2 === 0 ? ["A-line", "B-line"] : ["B-line", "A-line"];
  const result = await tool.execute({ path, oldString: from, newString: to, replaceAll: true }, ctx);
  if (result.isError) { process.stderr.write(result.content); process.exit(1); }
}
`,
    );
    for (let round = 0; round < 6; round++) {
      const child = Bun.spawn([process.execPath, script, cwd, "big.txt"], {
        stdout: "pipe",
        stderr: "inherit",
      });
      await child.stdout.getReader().read();
      await Bun.sleep(40 + round * 23);
      child.kill("SIGKILL");
      expect(await child.exited).not.toBe(1);
      const content = await readFile(target, "utf8");
      expect(content === allA || content === allB).toBe(true);
      for (const entry of await readdir(cwd)) {
        if (entry === "big.txt" || entry === "src") continue;
        expect(entry.endsWith(TEMP_SUFFIX)).toBe(true);
        await rm(join(cwd, entry));
      }
    }
  });
});
