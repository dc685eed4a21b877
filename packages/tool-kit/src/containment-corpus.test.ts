/**
 * The containment corpus: over 200 escape attempts (`..` forms, absolute paths, symlink chains and
 * loops, sibling-prefix directories, special files, the denied data directory, odd bytes, and
 * symlinks swapped between check and use) against a real tree in a temp dir, with 0 escapes; and
 * over 50 legitimate paths that must work. Every attempt runs the real read and write paths.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  unlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileAtomic } from "./atomic-write.ts";
import { type ContainmentOptions, isInside, type ResolvedPath, resolveInside } from "./containment.ts";
import { ToolFailure } from "./errors.ts";
import { openVerified, openVerifiedFd, openWriteTarget, readVerified } from "./safe-fs.ts";

const SECRET = "TOP-SECRET-OUTSIDE";
let base: string;
let root: string;
let options: ContainmentOptions;
let socketServer: { stop(): void } | undefined;

/** Every file outside the root, path → content, to prove nothing changed. */
async function snapshotOutside(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (path === root) continue;
      if (entry.isDirectory()) await visit(path);
      else if (entry.isFile()) files.set(path, await readFile(path, "utf8"));
      else files.set(path, `<${entry.isSymbolicLink() ? "link" : "special"}>`);
    }
  };
  await visit(base);
  return files;
}

async function buildTree(): Promise<void> {
  base = await mkdtemp(join(tmpdir(), "containment-"));
  root = join(base, "root");
  for (const dir of [
    "outside/sub",
    "root-sibling",
    "rootx",
    "extra",
    "root/nested/deep/x/y",
    "root/.hidden",
  ]) {
    await mkdir(join(base, dir), { recursive: true });
  }
  for (const file of [
    "outside/secret.txt",
    "outside/sub/secret.txt",
    "root-sibling/secret.txt",
    "rootx/secret",
  ]) {
    await writeFile(join(base, file), SECRET);
  }
  await writeFile(join(base, "extra/allowed.txt"), "extra root file");
  await mkdir(join(root, ".dispatch-data"));
  await writeFile(join(root, ".dispatch-data/db.sqlite"), SECRET);
  await mkdir(join(root, "ünï code"));
  await mkdir(join(root, "dir with spaces"));
  await mkdir(join(root, "swap-target"));
  const files: Record<string, string> = {
    "a.txt": "alpha",
    "nested/deep/x/y/file.ts": "deep file",
    ".hidden/.env": "dot env",
    ".dotfile": "dot file",
    "ünï code/ファイル.txt": "unicode",
    "dir with spaces/f.md": "spaces",
    "emoji-😀.txt": "emoji",
    "line\nbreak.txt": "newline name",
    "..a": "dots a",
    "a..b": "a dots b",
    "...": "three dots",
    'quote"name': "quote",
    "back\\slash": "backslash",
    "swap-target/secret.txt": "inside twin",
  };
  for (let i = 0; i < 20; i++) files[`nested/gen-${i}/file-${i}.txt`] = `generated ${i}`;
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), content);
  }
  const links: [string, string][] = [
    ["in-link", "nested"],
    ["in-abs-link", join(root, "nested")],
    ["chain1", "chain2"],
    ["chain2", "nested/deep"],
    ["file-link", "a.txt"],
    ["out-link", "../outside"],
    ["out-abs", join(base, "outside")],
    ["out-file-link", "../outside/secret.txt"],
    ["chain-out1", "chain-out2"],
    ["chain-out2", "../outside"],
    ["loop1", "loop2"],
    ["loop2", "loop1"],
    ["self", "self"],
    ["dotdot-link", ".."],
    ["in-then-out", "nested/../../outside"],
    ["nested/deep/up", "../../../outside"],
    ["sneaky", "nested/deep/up"],
    ["sib-link", "../root-sibling"],
    ["root-link", "/"],
    ["etc-link", "/etc"],
    ["proc-link", "/proc/self/root"],
    ["data-link", ".dispatch-data"],
    ["dangling-out", "../outside/new-file.txt"],
    ["dangling-in", "nested/made-by-link.txt"],
    ["swap", "swap-target"],
  ];
  for (const [path, target] of links) await symlink(target, join(root, path));
  execFileSync("mkfifo", [join(root, "fifo"), join(root, "nested/fifo")]);
  socketServer = Bun.listen({ unix: join(root, "sock"), socket: { data: () => undefined } });
  options = { deniedRoots: [join(root, ".dispatch-data")], extraRoots: [join(base, "extra")] };
}

/** Reads through the full use path the file tools take (`openVerifiedFd`); returns the content read. */
async function readThrough(path: string): Promise<string> {
  const resolved = await resolveInside(root, path, options);
  const opened = openVerifiedFd(resolved, resolved.kind === "directory" ? "directory" : "file");
  try {
    if (resolved.kind === "directory") return readdirSync(opened.anchor).join(",");
    return new TextDecoder().decode(await readVerified(opened));
  } finally {
    opened.close();
  }
}

/** Writes through the full use path (creating missing directories). */
async function writeThrough(path: string, content: string): Promise<ResolvedPath> {
  const resolved = await resolveInside(root, path, { ...options, allowMissing: true });
  await writeResolved(resolved, content);
  return resolved;
}

async function writeResolved(resolved: ResolvedPath, content: string): Promise<void> {
  const target = openWriteTarget(resolved);
  try {
    await writeFileAtomic(target.directory.anchor, target.name, content);
  } finally {
    target.directory.close();
  }
}

function escapeAttempts(): string[] {
  const attempts: string[] = [];
  const targets = [
    "outside/secret.txt",
    "outside/sub/secret.txt",
    "root-sibling/secret.txt",
    "rootx/secret",
    "outside",
  ];
  // `..` forms.
  for (const target of targets) {
    attempts.push(
      `../${target}`,
      `./../${target}`,
      `nested/../../${target}`,
      `nested/deep/../../../${target}`,
    );
    attempts.push(
      `..//${target}`,
      `./nested/./../.././${target}`,
      `nested/deep/x/y/../../../../../${target}`,
    );
    attempts.push(`in-link/../../${target}`, `chain1/../../../${target}`, `a.txt/../../${target}`);
    attempts.push(
      `in-abs-link/../../${target}`,
      `${root}/chain1/../../../${target}`,
      `dotdot-link/${target}`,
    );
    attempts.push(`.//../${target}`, `sneaky/../${target}`, `nested/deep/up/../${target}`);
  }
  for (let depth = 1; depth <= 12; depth++) attempts.push(`${"../".repeat(depth)}etc/passwd`);
  attempts.push("..", "../", "../.", "nested/../..", "./..", "../root-sibling", "../rootx");
  // Absolute paths outside.
  for (const target of targets) {
    attempts.push(
      join(base, target),
      `${root}/../${target}`,
      `${root}/nested/../../${target}`,
      `//${base}/${target}`,
    );
  }
  attempts.push("/", "/etc/passwd", "/etc/shadow", "/etc", "/root", "/tmp", "/proc/self/environ");
  attempts.push(
    "/proc/self/root/etc/passwd",
    `/proc/self/cwd/${root}`,
    "/dev/zero",
    "/dev/null",
    "/dev/stdin",
  );
  attempts.push(base, `${base}/`, `${root}-sibling/secret.txt`, `${root}x/secret`, `${root}/../root-sibling`);
  // Symlink chains that leave the root.
  for (const link of [
    "out-link",
    "out-abs",
    "chain-out1",
    "chain-out2",
    "in-then-out",
    "sneaky",
    "nested/deep/up",
  ]) {
    attempts.push(
      link,
      `${link}/secret.txt`,
      `${link}/sub/secret.txt`,
      `${link}/new-file.txt`,
      `${link}/sub/../secret.txt`,
    );
  }
  attempts.push(
    "out-file-link",
    "dotdot-link",
    "dotdot-link/outside/secret.txt",
    "dotdot-link/root-sibling/secret.txt",
  );
  attempts.push("sib-link", "sib-link/secret.txt", "root-link", "root-link/etc/passwd", "etc-link/passwd");
  attempts.push("proc-link/etc/passwd", "dangling-out", "in-link/deep/up/secret.txt", "chain2/up/secret.txt");
  // Loops.
  attempts.push("loop1", "loop2", "loop1/x", "self", "self/a", "nested/../loop1/secret.txt");
  // Special files.
  attempts.push("fifo", "nested/fifo", "./fifo", "in-link/fifo", "sock", `${root}/fifo`);
  // The denied data directory.
  attempts.push(
    ".dispatch-data",
    ".dispatch-data/db.sqlite",
    "data-link/db.sqlite",
    "data-link",
    "./.dispatch-data/x",
  );
  attempts.push(
    `${root}/.dispatch-data/db.sqlite`,
    "nested/../.dispatch-data/db.sqlite",
    ".dispatch-data/new/file",
  );
  // Odd bytes.
  attempts.push("a.txt\0../../outside/secret.txt", "\0", "nested\0", "../outside/secret.txt\0.txt", "");
  attempts.push(`${base}/outside/secret.txt\0`, "\0/etc/passwd");
  return attempts;
}

/** Odd names that are literal file names on Linux: they must stay inside (refused or contained). */
const ODD_LITERALS = [
  "..\\outside\\secret.txt",
  "%2e%2e/outside/secret.txt",
  "%2e%2e%2foutside",
  "..%2f..%2foutside",
  "\u2025/outside/secret.txt",
  "．．/outside/secret.txt",
  "..\u2215outside",
  ".. /outside/secret.txt",
  " ../outside/secret.txt",
  "...\u202e/outside",
  "..\n/outside/secret.txt",
  "..\t",
  "~/secret.txt",
  "~root/.bashrc",
  "$HOME/.bashrc",
  "file:///etc/passwd",
];

beforeAll(buildTree);
afterAll(async () => {
  socketServer?.stop();
  await rm(base, { recursive: true, force: true });
});

describe("containment corpus", () => {
  it("refuses every escape attempt and never reads or writes outside the root", async () => {
    const attempts = escapeAttempts();
    const before = await snapshotOutside();
    const escapes: string[] = [];
    for (const attempt of attempts) {
      // The check layer alone refuses it…
      const resolved = await resolveInside(root, attempt, { ...options, allowMissing: true }).catch(
        (err: unknown) => err,
      );
      if (!(resolved instanceof ToolFailure)) escapes.push(`resolved ${JSON.stringify(attempt)}`);
      // …and the full read and write paths do too.
      const read = await readThrough(attempt).then(
        (content) => content,
        (err: unknown) => (err instanceof ToolFailure ? undefined : err),
      );
      if (read !== undefined) escapes.push(`read ${JSON.stringify(attempt)} → ${String(read)}`);
      const wrote = await writeThrough(attempt, "ESCAPED").then(
        (resolved) => resolved.real,
        (err: unknown) => (err instanceof ToolFailure ? undefined : err),
      );
      if (wrote !== undefined) escapes.push(`write ${JSON.stringify(attempt)} → ${String(wrote)}`);
    }
    expect(escapes).toEqual([]);
    expect(await snapshotOutside()).toEqual(before);
    expect(attempts.length).toBeGreaterThanOrEqual(200);
  });

  it("keeps odd literal names inside the root", async () => {
    const before = await snapshotOutside();
    for (const attempt of ODD_LITERALS) {
      const read = await readThrough(attempt).catch((err: unknown) => err);
      expect(read).toBeInstanceOf(ToolFailure);
      const resolved = await writeThrough(attempt, "literal").catch((err: unknown) => err);
      if (!(resolved instanceof ToolFailure)) {
        expect(resolved).toHaveProperty("real");
        expect(isInside((resolved as ResolvedPath).real, root)).toBe(true);
      }
    }
    expect(await snapshotOutside()).toEqual(before);
  });

  it("refuses symlinks swapped in between the check and the use", async () => {
    const before = await snapshotOutside();
    const escapes: string[] = [];
    let refused = 0;
    const outside = join(base, "outside");
    const cases: {
      path: string;
      swapped: string;
      replacement: string;
      op: "read" | "read-handle" | "write";
    }[] = [];
    for (const op of ["read", "read-handle", "write"] as const) {
      // A directory on the real path replaced by a symlink to the outside.
      cases.push({ path: "swap-target/secret.txt", swapped: "swap-target", replacement: outside, op });
      cases.push({ path: "swap/secret.txt", swapped: "swap-target", replacement: outside, op });
      cases.push({ path: "nested/deep/x/y/file.ts", swapped: "nested/deep", replacement: outside, op });
      cases.push({ path: "nested/deep/x/y/file.ts", swapped: "nested", replacement: "../outside", op });
      // The final component replaced by a symlink.
      cases.push({ path: "a.txt", swapped: "a.txt", replacement: join(outside, "secret.txt"), op });
      cases.push({
        path: "swap-target/secret.txt",
        swapped: "swap-target/secret.txt",
        replacement: "../../outside/secret.txt",
        op,
      });
      cases.push({
        path: "dir with spaces/f.md",
        swapped: "dir with spaces",
        replacement: join(base, "root-sibling"),
        op,
      });
    }
    // A parent of a file that does not exist yet, swapped before its directories are created.
    for (const depth of [1, 2, 3]) {
      const deep = Array.from({ length: depth }, (_, i) => `new${i}`).join("/");
      cases.push({
        path: `nested/gen-1/${deep}/x.txt`,
        swapped: "nested/gen-1",
        replacement: outside,
        op: "write",
      });
      cases.push({
        path: `nested/gen-2/${deep}/x.txt`,
        swapped: "nested",
        replacement: "../rootx",
        op: "write",
      });
    }
    for (const testCase of cases) {
      const parked = join(root, `parked-${crypto.randomUUID()}`);
      const resolved = await resolveInside(root, testCase.path, {
        ...options,
        allowMissing: testCase.op === "write",
      });
      // The attacker moves the real object away and puts a symlink in its place.
      await rename(join(root, testCase.swapped), parked);
      await symlink(testCase.replacement, join(root, testCase.swapped));
      const outcome = await useResolved(resolved, testCase.op).catch((err: unknown) => err);
      if (outcome instanceof ToolFailure) refused++;
      else if (testCase.op === "write" && testCase.swapped === testCase.path) {
        // Replacing the final component's name is contained: the rename replaces the symlink itself.
        expect((await lstat(join(root, testCase.swapped))).isFile()).toBe(true);
        refused++;
      } else escapes.push(`${testCase.op} ${testCase.path} via ${testCase.swapped}: ${String(outcome)}`);
      await unlink(join(root, testCase.swapped));
      await rename(parked, join(root, testCase.swapped));
    }
    expect(escapes).toEqual([]);
    expect(refused).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(20);
    expect(await snapshotOutside()).toEqual(before);
  });

  it("survives a symlink flipping concurrently with reads", async () => {
    const link = join(root, "flip");
    await symlink("swap-target", link);
    // The flipper is another process, so it races the reads' synchronous calls for real (an
    // in-process async loop would only run between them).
    const flipper = Bun.spawn(
      [
        process.execPath,
        "-e",
        `const { renameSync, symlinkSync } = require("node:fs");
const [link, outside] = [process.env.FLIP_LINK, process.env.FLIP_OUTSIDE];
const until = Date.now() + 60_000;
for (let i = 0; Date.now() < until; i++) {
  symlinkSync(i % 2 === 0 ? outside : "swap-target", link + ".next");
  renameSync(link + ".next", link);
  if (i === 10) console.log("flipping");
}`,
      ],
      { env: { FLIP_LINK: link, FLIP_OUTSIDE: join(base, "outside") }, stdout: "pipe" },
    );
    try {
      await flipper.stdout.getReader().read(); // "flipping"
      const leaked: string[] = [];
      for (let i = 0; i < 150; i++) {
        const content = await readThrough("flip/secret.txt").catch(() => undefined);
        if (content === SECRET) leaked.push(`iteration ${i}`);
      }
      expect(leaked).toEqual([]);
    } finally {
      flipper.kill("SIGKILL");
      await flipper.exited;
      await rm(link, { force: true });
      await rm(`${link}.next`, { force: true });
    }
  });
});

async function useResolved(resolved: ResolvedPath, op: "read" | "read-handle" | "write"): Promise<string> {
  if (op === "read") {
    const opened = openVerifiedFd(resolved, "file");
    try {
      return new TextDecoder().decode(await readVerified(opened));
    } finally {
      opened.close();
    }
  }
  if (op === "read-handle") {
    const opened = await openVerified(resolved, "file");
    try {
      return await opened.handle.readFile("utf8");
    } finally {
      await opened.close();
    }
  }
  await writeResolved(resolved, "ESCAPED");
  return "wrote";
}

describe("legitimate paths", () => {
  it("accepts paths that stay inside, through symlinks too", async () => {
    const reads: [string, string][] = [
      ["a.txt", "alpha"],
      ["./a.txt", "alpha"],
      ["nested/../a.txt", "alpha"],
      ["nested/deep/../../a.txt", "alpha"],
      [join(root, "a.txt"), "alpha"],
      [`${root}//a.txt`, "alpha"],
      ["nested/deep/x/y/file.ts", "deep file"],
      ["in-link/deep/x/y/file.ts", "deep file"],
      ["in-abs-link/deep/x/y/file.ts", "deep file"],
      ["chain1/x/y/file.ts", "deep file"],
      ["chain1/../deep/x/y/file.ts", "deep file"],
      ["file-link", "alpha"],
      ["dotdot-link/root/a.txt", "alpha"],
      [".hidden/.env", "dot env"],
      [".dotfile", "dot file"],
      ["ünï code/ファイル.txt", "unicode"],
      ["dir with spaces/f.md", "spaces"],
      ["emoji-😀.txt", "emoji"],
      ["line\nbreak.txt", "newline name"],
      ["..a", "dots a"],
      ["a..b", "a dots b"],
      ["...", "three dots"],
      ['quote"name', "quote"],
      ["back\\slash", "backslash"],
      ["swap/secret.txt", "inside twin"],
      [join(base, "extra/allowed.txt"), "extra root file"],
      ["../extra/allowed.txt", "extra root file"],
    ];
    for (let i = 0; i < 20; i++) reads.push([`nested/gen-${i}/file-${i}.txt`, `generated ${i}`]);
    for (const [path, expected] of reads)
      expect({ path, content: await readThrough(path) }).toEqual({ path, content: expected });

    const dirs = [".", "nested", "nested/", root, "in-link", "chain1"];
    for (const dir of dirs) expect((await readThrough(dir)).length).toBeGreaterThan(0);

    const writes = [
      "new.txt",
      "nested/new-dir/sub/new.txt",
      "in-link/via-link.txt",
      "ünï code/新しい.txt",
      ".new-dot",
    ];
    writes.push("dangling-in", "chain1/x/made.txt", join(root, "abs-new.txt"));
    for (const path of writes) {
      const resolved = await writeThrough(path, `content of ${path}`);
      expect(isInside(resolved.real, root)).toBe(true);
      expect(await readFile(resolved.real, "utf8")).toBe(`content of ${path}`);
    }
    expect((await lstat(join(root, "nested/made-by-link.txt"))).isFile()).toBe(true);
    expect(reads.length + dirs.length + writes.length).toBeGreaterThanOrEqual(50);
  });

  it("shows paths relative to the cwd", async () => {
    const resolved = await resolveInside(root, "in-link/deep/x/y/file.ts", options);
    expect(resolved.display).toBe("nested/deep/x/y/file.ts");
    expect((await resolveInside(root, join(base, "extra/allowed.txt"), options)).display).toBe(
      join(base, "extra/allowed.txt"),
    );
  });
});
