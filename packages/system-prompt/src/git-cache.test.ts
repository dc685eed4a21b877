import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitCache } from "./git-cache.ts";
import { resolveVariables, type VariableContext } from "./variables.ts";

describe("createGitCache", () => {
  it("shares a run in flight and reuses its output until the TTL has passed since it finished", async () => {
    let clock = 0;
    const cache = createGitCache({ ttlMs: 100, now: () => clock });
    let runs = 0;
    let finish: (value: string) => void = () => {};
    const run = () => {
      runs += 1;
      return new Promise<string | undefined>((resolve) => {
        finish = resolve;
      });
    };
    const first = cache.get("k", run);
    clock = 500; // long after the start: still running, so still shared
    const second = cache.get("k", run);
    finish("main");
    expect(await first).toBe("main");
    expect(await second).toBe("main");
    expect(runs).toBe(1);
    clock = 599;
    expect(await cache.get("k", run)).toBe("main");
    expect(runs).toBe(1);
    clock = 600;
    const third = cache.get("k", run);
    expect(runs).toBe(2);
    finish("other");
    expect(await third).toBe("other");
  });

  it("keys runs apart and remembers a failure like any output", async () => {
    const cache = createGitCache({ now: () => 0 });
    let runs = 0;
    const fail = async () => {
      runs += 1;
      return undefined;
    };
    expect(await cache.get("a", fail)).toBeUndefined();
    expect(await cache.get("a", fail)).toBeUndefined();
    expect(await cache.get("b", async () => "b")).toBe("b");
    expect(runs).toBe(1);
  });
});

describe("git variables through a cache", () => {
  let dir: string;
  let project: string;
  let counter: string;
  let countingGit: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "system-prompt-git-cache-"));
    project = join(dir, "project");
    execFileSync("git", ["init", "-q", "-b", "feature-y", project]);
    counter = join(dir, "runs");
    countingGit = join(dir, "git");
    // A real git behind a wrapper that counts its processes.
    writeFileSync(countingGit, `#!/bin/sh\necho run >> '${counter}'\nexec git "$@"\n`);
    chmodSync(countingGit, 0o755);
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const context = (conversationId: string): VariableContext => ({
    conversationId,
    cwd: project,
    model: "m",
    workspaceId: "default",
    now: 0,
  });
  const processes = () => readFileSync(counter, "utf8").split("\n").filter(Boolean).length;

  it("starts one git process for builds that run together in one cwd", async () => {
    const options = { gitPath: countingGit, gitCache: createGitCache() };
    const builds = await Promise.all(
      ["c1", "c2", "c3"].map((id) => resolveVariables(["git:branch"], context(id), options)),
    );
    expect(builds.map((values) => values.get("git:branch"))).toEqual(["feature-y", "feature-y", "feature-y"]);
    expect(await resolveVariables(["git:branch"], context("c4"), options)).toEqual(
      new Map([["git:branch", "feature-y"]]),
    );
    expect(processes()).toBe(1);
  });

  it("runs git every time without a cache", async () => {
    await resolveVariables(["git:branch"], context("c1"), { gitPath: countingGit });
    await resolveVariables(["git:branch"], context("c2"), { gitPath: countingGit });
    expect(processes()).toBe(2);
  });
});
