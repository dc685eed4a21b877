/**
 * Containment basics: the cwd requirement, prefix-safe `isInside`, what a resolution reports, and
 * how a turn's extra roots merge with a factory's (denied roots still win).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isInside, resolveInside, withTurnRoots } from "./containment.ts";
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

describe("withTurnRoots", () => {
  it("adds a turn's absolute roots to the factory's, ignoring relative ones", () => {
    const factory = { extraRoots: ["/srv/a"], deniedRoots: ["/data"] };
    expect(withTurnRoots(factory, undefined)).toBe(factory);
    expect(withTurnRoots(factory, ["relative"])).toBe(factory);
    expect(withTurnRoots(factory, ["/srv/b", "rel", "/srv/c"])).toEqual({
      extraRoots: ["/srv/a", "/srv/b", "/srv/c"],
      deniedRoots: ["/data"],
    });
    expect(withTurnRoots({}, ["/srv/b"])).toEqual({ extraRoots: ["/srv/b"] });
  });

  it("lets a call reach a turn root, but never a denied root listed as one", async () => {
    const cwd = join(root, "src");
    await mkdir(join(root, "shared"), { recursive: true });
    await writeFile(join(root, "shared/doc.md"), "doc");
    const outside = join(root, "shared/doc.md");
    expect((await failure(resolveInside(cwd, outside))).code).toBe("OUTSIDE_ROOT");
    const options = withTurnRoots({ deniedRoots: [join(root, "shared")] }, [join(root, "shared"), root]);
    expect((await failure(resolveInside(cwd, outside, options))).code).toBe("DENIED_PATH");
    const allowed = await resolveInside(cwd, outside, withTurnRoots({}, [join(root, "shared")]));
    expect(allowed).toMatchObject({ exists: true, kind: "file" });
    expect(allowed.display.endsWith("/shared/doc.md")).toBe(true);
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
