/**
 * The kernel's purity is enforced by its compiler settings (no platform types, ES lib only). This
 * runs the real `tsc` on a config extending packages/kernel/tsconfig.json: with an extra file that
 * imports `node:fs` and calls `setTimeout` it must fail; without it, the kernel must type-check.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const kernelDir = resolve(import.meta.dir, "..");
const tsc = resolve(kernelDir, "../../node_modules/.bin/tsc");
let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kernel-purity-"));
  const impure = [
    'import { readFileSync } from "node:fs";',
    'export const read = () => readFileSync("x");',
    "export const later = () => setTimeout(() => undefined, 1);",
  ];
  await writeFile(join(dir, "impure.ts"), `${impure.join("\n")}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Type-checks the kernel's own config plus `files`; returns tsc's exit code and output. */
async function typeCheck(name: string, files: string[]): Promise<{ code: number; output: string }> {
  const config = {
    extends: join(kernelDir, "tsconfig.json"),
    // Only what a one-off, emit-free check needs; `types` and `lib` stay the kernel's.
    compilerOptions: { composite: false, incremental: false, rootDir: "/" },
    ...(files.length > 0 ? { files } : {}),
  };
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify(config));
  const proc = Bun.spawn([tsc, "-p", path, "--noEmit", "--listFiles"], { stdout: "pipe", stderr: "pipe" });
  const [output, errors, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, output: output + errors };
}

describe("kernel purity", () => {
  it("rejects a file that uses node:fs and setTimeout under the kernel's compiler settings", async () => {
    const { code, output } = await typeCheck("impure", [join(dir, "impure.ts")]);
    expect(code).not.toBe(0);
    expect(output).toMatch(/impure\.ts\(1,\d+\): error TS2591: Cannot find name 'node:fs'/);
    expect(output).toMatch(/impure\.ts\(3,\d+\): error TS2304: Cannot find name 'setTimeout'/);
  }, 30_000);

  it("type-checks the kernel's own sources under the same settings", async () => {
    const { code, output } = await typeCheck("control", []);
    expect(output).toContain(join(kernelDir, "src/turn/run-turn.ts"));
    expect(output).not.toContain("error TS");
    expect(code).toBe(0);
  }, 30_000);
});
