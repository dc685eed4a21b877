import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readContained, resolveVariables, type VariableContext } from "./variables.ts";

let dir: string;
let project: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "system-prompt-vars-"));
  project = join(dir, "project");
  mkdirSync(join(project, "docs"), { recursive: true });
  writeFileSync(join(dir, "secret.txt"), "outside the project");
  writeFileSync(join(project, "docs", "guide.md"), "the guide");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function context(cwd = project): VariableContext {
  return {
    conversationId: "c-1",
    cwd,
    model: "local/qwen3",
    workspaceId: "web",
    now: Date.parse("2026-11-22T10:30:00Z"),
  };
}

async function resolve(keys: string[], options = {}, cwd = project) {
  return Object.fromEntries(await resolveVariables(keys, context(cwd), options));
}

describe("file:<path>", () => {
  it("reads a file relative to the working directory", async () => {
    expect(await resolve(["file:docs/guide.md", "file:./docs/../docs/guide.md"])).toEqual({
      "file:docs/guide.md": "the guide",
      "file:./docs/../docs/guide.md": "the guide",
    });
  });

  it("never leaves the working directory: absolute paths, .. and symlinks out are absent", async () => {
    symlinkSync(join(dir, "secret.txt"), join(project, "link-out.txt"));
    symlinkSync(dir, join(project, "dir-out"));
    symlinkSync(join(project, "docs", "guide.md"), join(project, "link-in.md"));
    const keys = [
      "file:/etc/hostname",
      `file:${join(dir, "secret.txt")}`,
      "file:../secret.txt",
      "file:docs/../../secret.txt",
      "file:link-out.txt",
      "file:dir-out/secret.txt",
      "file:link-in.md",
    ];
    expect(await resolve(keys)).toEqual({ "file:link-in.md": "the guide" });
  });

  it("never reads inside a denied root, even within the working directory or through a symlink", async () => {
    mkdirSync(join(project, "state"));
    writeFileSync(join(project, "state", "token"), "the daemon's token");
    symlinkSync(join(project, "state", "token"), join(project, "token-link"));
    const keys = ["file:state/token", "file:token-link", "file:docs/guide.md"];
    expect(await resolve(keys, { deniedRoots: [join(project, "state")] })).toEqual({
      "file:docs/guide.md": "the guide",
    });
  });

  it("is absent for missing files and directories, and for a missing working directory", async () => {
    expect(await resolve(["file:nope.md", "file:docs", "file:"])).toEqual({});
    expect(await resolve(["file:guide.md"], {}, join(dir, "gone"))).toEqual({});
  });

  it("cuts large files at the cap with a note, without a broken character", async () => {
    writeFileSync(join(project, "big.txt"), `${"a".repeat(9)}é${"b".repeat(50)}`);
    const text = await readContained(project, "big.txt", 10);
    expect(text).toBe("aaaaaaaaa\n… (truncated: the file is larger than 10 bytes)");
    expect(await readContained(project, "docs/guide.md", 9)).toBe("the guide");
  });
});

describe("project:instructions", () => {
  it("is AGENTS.md, else CLAUDE.md, else absent", async () => {
    expect(await resolve(["project:instructions"])).toEqual({});
    writeFileSync(join(project, "CLAUDE.md"), "claude rules");
    expect(await resolve(["project:instructions"])).toEqual({ "project:instructions": "claude rules" });
    writeFileSync(join(project, "AGENTS.md"), "agent rules");
    expect(await resolve(["project:instructions"])).toEqual({ "project:instructions": "agent rules" });
  });

  it("is capped, and contained like file:", async () => {
    writeFileSync(join(project, "AGENTS.md"), "x".repeat(100));
    const capped = await resolve(["project:instructions"], { maxInstructionsBytes: 40 });
    expect(capped["project:instructions"]).toBe(
      `${"x".repeat(40)}\n… (truncated: the file is larger than 40 bytes)`,
    );
    rmSync(join(project, "AGENTS.md"));
    symlinkSync(join(dir, "secret.txt"), join(project, "CLAUDE.md"));
    expect(await resolve(["project:instructions"])).toEqual({});
  });
});

describe("git", () => {
  it("gives the branch and the short status of a repository", async () => {
    execFileSync("git", ["init", "-q", "-b", "feature-x", project]);
    writeFileSync(join(project, "new.txt"), "n");
    expect(await resolve(["git:branch", "git:status"])).toEqual({
      "git:branch": "feature-x",
      "git:status": "?? docs/\n?? new.txt",
    });
  });

  it("never runs the program a repository's core.fsmonitor names", async () => {
    execFileSync("git", ["init", "-q", "-b", "main", project]);
    const marker = join(dir, "fsmonitor-ran");
    execFileSync("git", ["-C", project, "config", "core.fsmonitor", `touch '${marker}'; false`]);
    expect(await resolve(["git:status"])).toEqual({ "git:status": "?? docs/" });
    expect(existsSync(marker)).toBe(false);
  });

  it("is absent outside a repository and when git is missing", async () => {
    expect(await resolve(["git:branch", "git:status"])).toEqual({});
    execFileSync("git", ["init", "-q", "-b", "main", project]);
    expect(await resolve(["git:branch", "git:status"], { gitPath: join(dir, "no-such-git") })).toEqual({});
  });
});

describe("system and prompt variables", () => {
  it("come from the clock, the host and the turn's context; unknown keys are absent", async () => {
    const values = await resolve([
      "system:time",
      "system:date",
      "system:os",
      "system:hostname",
      "prompt:cwd",
      "prompt:model",
      "prompt:conversation_id",
      "prompt:workspace_id",
      "prompt:nope",
      "nope:x",
    ]);
    expect(values).toMatchObject({
      "system:time": "2026-11-22T10:30:00.000Z",
      "prompt:cwd": project,
      "prompt:model": "local/qwen3",
      "prompt:conversation_id": "c-1",
      "prompt:workspace_id": "web",
    });
    expect(values["system:date"]).toMatch(/^2026-11-2[123]$/);
    expect(values["system:os"]).toMatch(/\S+ \S+ \(\S+\)/);
    expect(values["system:hostname"]?.length).toBeGreaterThan(0);
    expect(Object.keys(values)).toHaveLength(8);
  });
});
