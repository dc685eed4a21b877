/**
 * read_file against real files in a temp dir: numbered pages, caps on line length and output,
 * binary detection, directory listings, large streamed files, containment refusals, a turn's
 * extra roots, the ledger record, and registration through a real kernel host.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, nullLogger, type Tool } from "@dispatch/kernel";
import {
  createFileStateExtension,
  createFileStateLedger,
  type FileStateLedger,
  sha256,
} from "@dispatch/tool-kit";
import { createTestToolContext } from "@dispatch/tool-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReadFileExtension } from "./extension.ts";
import { createReadFileTool, FULL_READ_BYTES } from "./read-file-tool.ts";

let base: string;
let cwd: string;
let ledger: FileStateLedger;
let tool: Tool;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "read-file-"));
  cwd = join(base, "work");
  await mkdir(join(cwd, "src/components"), { recursive: true });
  await mkdir(join(base, "data"));
  await writeFile(join(base, "data/secret.db"), "secret");
  await writeFile(join(base, "outside.txt"), "outside");
  await writeFile(join(cwd, "src/index.ts"), "line one\nline two\r\nline three\n");
  await writeFile(join(cwd, "empty.txt"), "");
  await writeFile(join(cwd, "lines.txt"), Array.from({ length: 100 }, (_, i) => `row ${i + 1}`).join("\n"));
  await writeFile(join(cwd, "min.js"), `var a=${"x".repeat(300_000)};\nsecond`);
  await writeFile(join(cwd, "wide.txt"), Array.from({ length: 200 }, () => "w".repeat(1_000)).join("\n"));
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2, 3]);
  await writeFile(join(cwd, "logo.png"), png);
  await writeFile(join(cwd, "latin1.txt"), new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]));
  await symlink(join(base, "data"), join(cwd, "data-link"));
  await symlink("../outside.txt", join(cwd, "escape"));
  ledger = createFileStateLedger();
  tool = createReadFileTool({ ledger, deniedRoots: [join(base, "data")] });
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function read(args: Record<string, unknown>, context = createTestToolContext({ cwd })) {
  return tool.execute(args, context);
}

describe("read_file", () => {
  it("numbers lines and strips carriage returns", async () => {
    expect(await read({ path: "src/index.ts" })).toEqual({
      content: "1: line one\n2: line two\n3: line three",
    });
  });

  it("pages with offset and limit and says where to continue", async () => {
    const result = await read({ path: "lines.txt", offset: 10, limit: 3 });
    expect(result.content).toBe(
      "10: row 10\n11: row 11\n12: row 12\n[Showed lines 10-12 of 100. Call read_file with offset=13 to read more.]",
    );
    expect((await read({ path: "lines.txt", offset: 99 })).content).toBe("99: row 99\n100: row 100");
  });

  it("refuses an offset past the end with the valid range", async () => {
    const result = await read({ path: "lines.txt", offset: 500 });
    expect(result.isError).toBe(true);
    expect(result.content).toContain("offset 500 is past the end of lines.txt (100 lines)");
  });

  it("cuts very long lines", async () => {
    const result = await read({ path: "min.js" });
    const first = result.content.split("\n")[0] ?? "";
    expect(first.length).toBeLessThan(2_100);
    expect(first).toContain("[line cut: 298,007 more characters]");
    expect(result.content).toContain("2: second");
  });

  it("caps the output and gives the offset to continue from", async () => {
    const result = await read({ path: "wide.txt" });
    expect(result.content.length).toBeLessThanOrEqual(50_500);
    const match = /showed lines 1-(\d+) of 200\. Call read_file with offset=(\d+)/.exec(result.content);
    expect(match).not.toBeNull();
    expect(Number(match?.[2])).toBe(Number(match?.[1]) + 1);
  });

  it("describes binary files instead of dumping them", async () => {
    const png = await read({ path: "logo.png" });
    expect(png.content).toBe(
      "Binary file logo.png (15 bytes, PNG image); its content is not shown. If you need to inspect it, use run_shell (e.g. `file` or `xxd ... | head`).",
    );
    expect((await read({ path: "latin1.txt" })).content).toContain("binary data");
  });

  it("lists directories, directories first", async () => {
    const result = await read({ path: "src" });
    expect(result.content).toBe(
      'Directory src/ (2 entries; "/" marks directories, "@" symlinks):\ncomponents/\nindex.ts',
    );
    const top = await read({ path: "." });
    expect(top.content).toContain("data-link@");
  });

  it("reports an empty file", async () => {
    expect(await read({ path: "empty.txt" })).toEqual({ content: "(empty file: empty.txt)" });
  });

  it("streams files too large to read whole", async () => {
    const lines = Math.ceil(FULL_READ_BYTES / 20) + 10;
    const body = Array.from({ length: lines }, (_, i) => `big line ${String(i + 1).padStart(11, "0")}`).join(
      "\n",
    );
    await writeFile(join(cwd, "big.log"), body);
    const result = await read({ path: "big.log", offset: lines - 1, limit: 5 });
    expect(result.content).toBe(
      `${lines - 1}: big line ${String(lines - 1).padStart(11, "0")}\n${lines}: big line ${String(lines).padStart(11, "0")}`,
    );
    const head = await read({ path: "big.log", limit: 2 });
    expect(head.content).toContain("[Showed lines 1-2. Call read_file with offset=3 to read more.]");
    await rm(join(cwd, "big.log"));
  });

  it("refuses paths outside the cwd, into the denied data dir, and without a cwd", async () => {
    expect((await read({ path: "../outside.txt" })).content).toContain(
      "resolves outside the working directory",
    );
    expect((await read({ path: "escape" })).isError).toBe(true);
    expect((await read({ path: "data-link/secret.db" })).content).toContain("Refused");
    const denied = createReadFileTool({ ledger, deniedRoots: [join(base, "data")], extraRoots: [base] });
    const refused = await denied.execute({ path: "data-link/secret.db" }, createTestToolContext({ cwd }));
    expect(refused.content).toContain("protected directory");
    const noCwd = await read({ path: "src/index.ts" }, createTestToolContext());
    expect(noCwd).toMatchObject({ isError: true });
    expect(noCwd.content).toContain("No working directory");
  });

  it("reads outside the cwd inside the turn's roots, but never in the denied data dir", async () => {
    const rooted = createTestToolContext({ cwd, roots: [base] });
    expect(await read({ path: "../outside.txt" }, rooted)).toEqual({ content: "1: outside" });
    expect(await read({ path: join(base, "outside.txt") }, rooted)).toEqual({ content: "1: outside" });
    const inData = createTestToolContext({ cwd, roots: [join(base, "data")] });
    const refused = await read({ path: join(base, "data/secret.db") }, inData);
    expect(refused).toMatchObject({ isError: true });
    expect(refused.content).toContain("protected directory");
    expect((await read({ path: "../outside.txt" })).isError).toBe(true);
  });

  it("returns argument errors that say how to fix the call", async () => {
    const result = await read({ path: "lines.txt", offset: 0, limit: 99_999 });
    expect(result.isError).toBe(true);
    expect(result.content).toContain("`offset`: Too small: expected number to be >=1");
    expect(result.content).toContain("`limit`: Too big: expected number to be <=5000");
  });

  it("records what it read in the conversation's ledger", async () => {
    await read({ path: "src/index.ts" }, createTestToolContext({ cwd, conversationId: "conv-ledger" }));
    const snapshot = ledger.get("conv-ledger", join(cwd, "src/index.ts"));
    expect(snapshot?.sha256).toBe(sha256("line one\nline two\r\nline three\n"));
    expect(snapshot?.size).toBe(30);
  });
});

describe("createReadFileExtension", () => {
  it("registers read_file on a real host, using the file-state ledger", async () => {
    const host = createHost({
      extensions: [createReadFileExtension(), createFileStateExtension()],
      logger: nullLogger,
      now: Date.now,
      sleep: (ms) => Bun.sleep(ms),
    });
    await host.activate();
    expect(host.status().map((s) => [s.id, s.state])).toEqual([
      ["file-state", "active"],
      ["tool-read-file", "active"],
    ]);
    const registered = host.api.tool("read_file");
    expect(registered?.concurrencySafe).toBe(true);
    const result = await registered?.execute(
      { path: "src/index.ts", limit: 1 },
      createTestToolContext({ cwd }),
    );
    expect(result?.content).toContain("1: line one");
    await host.deactivate();
  });
});
