/**
 * Atomic writes: content, mode preservation, create-only, and a child process SIGKILLed in the
 * middle of large writes that never leaves a partial file under the target name.
 */
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEMP_SUFFIX, writeFileAtomic } from "./atomic-write.ts";
import { ToolFailure } from "./errors.ts";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "atomic-write-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeFileAtomic", () => {
  it("replaces content and keeps the given mode", async () => {
    const target = join(dir, "script.sh");
    await writeFile(target, "old");
    await chmod(target, 0o751);
    await writeFileAtomic(dir, "script.sh", "new content", { mode: 0o751 });
    expect(await readFile(target, "utf8")).toBe("new content");
    expect((await stat(target)).mode & 0o7777).toBe(0o751);
    expect(await readdir(dir)).toEqual(["script.sh"]);
  });

  it("refuses to replace an existing file when exclusive, and cleans up", async () => {
    await writeFile(join(dir, "a.txt"), "keep");
    const failure = await writeFileAtomic(dir, "a.txt", "other", { exclusive: true }).catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ToolFailure);
    expect(await readFile(join(dir, "a.txt"), "utf8")).toBe("keep");
    expect(await readdir(dir)).toEqual(["a.txt"]);
    await writeFileAtomic(dir, "b.txt", "fresh", { exclusive: true });
    expect(await readFile(join(dir, "b.txt"), "utf8")).toBe("fresh");
  });

  it("handles names near NAME_MAX", async () => {
    const name = `${"n".repeat(250)}.txt`;
    await writeFileAtomic(dir, name, "long");
    expect(await readFile(join(dir, name), "utf8")).toBe("long");
  });

  it("never leaves a partial file when the writer is SIGKILLed mid-write", async () => {
    const size = 8 * 1024 * 1024;
    const target = join(dir, "big.bin");
    await writeFile(target, Buffer.alloc(size, 0x41));
    const script = join(dir, "writer.ts");
    await writeFile(
      script,
      `import { writeFileAtomic } from ${JSON.stringify(join(import.meta.dir, "atomic-write.ts"))};
const [dir, name, size] = process.argv.slice(2);
const a = Buffer.alloc(Number(size), 0x41);
const b = Buffer.alloc(Number(size), 0x42);
process.stdout.write("ready\\n");
for (let i = 0; ; i++) await writeFileAtomic(dir, name, i % 2 === 0 ? b : a);
`,
    );
    for (let round = 0; round < 4; round++) {
      const child = Bun.spawn([process.execPath, script, dir, "big.bin", String(size)], {
        stdout: "pipe",
        stderr: "inherit",
      });
      const reader = child.stdout.getReader();
      await reader.read();
      await Bun.sleep(30 + round * 37);
      child.kill("SIGKILL");
      await child.exited;
      const content = await readFile(target);
      expect(content.length).toBe(size);
      const first = content[0] ?? 0;
      expect(first === 0x41 || first === 0x42).toBe(true);
      expect(content.equals(Buffer.alloc(size, first))).toBe(true);
      for (const entry of await readdir(dir)) {
        if (entry === "big.bin" || entry === "writer.ts") continue;
        expect(entry.endsWith(TEMP_SUFFIX)).toBe(true);
        await rm(join(dir, entry));
      }
    }
  });
});
