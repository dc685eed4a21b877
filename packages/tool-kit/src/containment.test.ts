/** Containment basics: the cwd requirement, prefix-safe `isInside`, and what a resolution reports. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isInside, resolveInside } from "./containment.ts";
import { ToolFailure } from "./errors.ts";

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "containment-unit-"));
  await mkdir(join(root, "src"));
  await writeFile(join(root, "src/a.ts"), "a");
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<ToolFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ToolFailure)) throw new Error(`expected a ToolFailure, got ${String(err)}`);
  return err;
}

describe("resolveInside", () => {
  it("refuses without a cwd, with a relative cwd, and with a missing cwd", async () => {
    expect((await failure(resolveInside(undefined, "a.txt"))).code).toBe("NO_CWD");
    expect((await failure(resolveInside("relative/dir", "a.txt"))).code).toBe("INVALID_PATH");
    expect((await failure(resolveInside(join(root, "nope"), "a.txt"))).code).toBe("NO_CWD");
  });

  it("reports existing files, directories and missing targets", async () => {
    const file = await resolveInside(root, "src/a.ts");
    expect(file).toMatchObject({ exists: true, kind: "file", display: "src/a.ts", missing: [] });
    const dir = await resolveInside(root, ".");
    expect(dir).toMatchObject({ exists: true, kind: "directory", display: "." });
    const missing = await resolveInside(root, "src/new/b.ts", { allowMissing: true });
    expect(missing).toMatchObject({ exists: false, ancestor: join(root, "src"), missing: ["new", "b.ts"] });
    expect((await failure(resolveInside(root, "src/new/b.ts"))).code).toBe("NOT_FOUND");
  });

  it("explains a refusal in words the model can act on", async () => {
    const err = await failure(resolveInside(root, "../../etc/passwd"));
    expect(err.code).toBe("OUTSIDE_ROOT");
    expect(err.message).toContain("resolves outside the working directory");
    expect(err.message).toContain("Use a path inside it");
  });
});

describe("isInside", () => {
  it("does not confuse a sibling sharing the prefix", () => {
    expect(isInside("/w/root/a", "/w/root")).toBe(true);
    expect(isInside("/w/root", "/w/root")).toBe(true);
    expect(isInside("/w/root-sibling/a", "/w/root")).toBe(false);
    expect(isInside("/w/rootx", "/w/root")).toBe(false);
    expect(isInside("/anything", "/")).toBe(true);
  });
});
