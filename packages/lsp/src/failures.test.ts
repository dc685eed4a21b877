/**
 * Broken language servers, as real processes (the fake server script): one that never answers
 * initialize, one that exits at start, one that dies mid-session, one that stops answering. Each
 * call returns within its limit with a readable note, the failure is remembered so the server is
 * not respawned in a storm (spawns counted), and after shutdown no server process survives.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nullLogger } from "@dispatch/kernel";
import { createTestToolContext } from "@dispatch/tool-kit/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLspRuntime, type LspOptions, type LspRuntime } from "./runtime.ts";
import {
  type FakeServerMode,
  fakeServerCommand,
  loggedPids,
  processState,
  writeFakeServer,
} from "./testing.ts";

let dir: string;
let runtime: LspRuntime | undefined;
let offset = 0;
const clock = () => Date.now() + offset;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "lsp-failures-")));
  offset = 0;
});

afterEach(async () => {
  await runtime?.service.shutdown();
  runtime = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `.dispatch/lsp.json` with one fake server for `.fk` files; returns its log file. */
function writeConfig(mode: FakeServerMode, env: Record<string, string> = {}): string {
  const script = writeFakeServer(dir);
  const log = join(dir, `${mode}.log`);
  const config = {
    servers: { fake: { command: fakeServerCommand(script, mode, log), extensions: [".fk"], env } },
  };
  mkdirSync(join(dir, ".dispatch"), { recursive: true });
  writeFileSync(join(dir, ".dispatch", "lsp.json"), JSON.stringify(config));
  return log;
}

function setup(mode: FakeServerMode, options: LspOptions = {}) {
  const log = writeConfig(mode);
  const file = join(dir, "x.fk");
  writeFileSync(file, "hello\n");
  runtime = createLspRuntime({
    logger: nullLogger,
    trustProjectConfig: true,
    enableBuiltins: false,
    statusSurface: false,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    initializeTimeoutMs: 1_000,
    diagnosticsTimeoutMs: 2_000,
    requestTimeoutMs: 300,
    backoff: { initialMs: 60_000, maxMs: 600_000 },
    now: clock,
    ...options,
  });
  return { runtime, log, file };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function expectAllGone(pids: number[]): void {
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) expect(processState(pid)).toBe("gone");
}

describe("a server that never answers initialize", () => {
  it("lets the write return with a note, shares the start, remembers the failure and backs off", async () => {
    const { runtime, log, file } = setup("silent", { diagnosticsTimeoutMs: 300 });
    const first = await runtime.service.diagnosticsAfterWrite({ path: file, cwd: dir });
    expect(first.timedOut).toBe(true);
    expect(first.notes.join("\n")).toContain("still starting");
    const second = await runtime.service.diagnosticsAfterWrite({ path: file, cwd: dir });
    expect(second.timedOut).toBe(true);
    expect(runtime.manager.spawnCount("fake")).toBe(1);
    expect(runtime.service.status(dir)[0]?.state).toBe("starting");

    await until(() => runtime.service.status(dir)[0]?.state === "error", "the initialize timeout");
    expect(runtime.service.status(dir)[0]?.error).toContain("did not answer initialize within 1s");
    const [pid] = loggedPids(log);
    expect(pid === undefined ? "missing" : processState(pid)).toBe("gone");

    for (let i = 0; i < 5; i++) {
      const later = await runtime.service.diagnosticsAfterWrite({ path: file, cwd: dir });
      expect(later.notes.join("\n")).toContain("is unavailable");
      expect(later.notes.join("\n")).toContain("not retried for");
    }
    expect(runtime.manager.spawnCount("fake")).toBe(1);

    offset += 61_000; // past the backoff: one new attempt
    await runtime.service.diagnosticsAfterWrite({ path: file, cwd: dir });
    expect(runtime.manager.spawnCount("fake")).toBe(2);
    await runtime.service.shutdown();
    expectAllGone(loggedPids(log));
  });
});

describe("a server that exits at start", () => {
  it("reports its exit and stderr, and is not respawned until the backoff or its config changes", async () => {
    const { runtime, log, file } = setup("exit");
    const notes: string[] = [];
    for (let i = 0; i < 5; i++)
      notes.push(...(await runtime.service.diagnosticsAfterWrite({ path: file, cwd: dir })).notes);
    expect(notes[0]).toContain("exited with code 3");
    expect(notes[0]).toContain("fake server: cannot start");
    expect(runtime.manager.spawnCount("fake")).toBe(1);
    expect(runtime.service.status(dir)).toMatchObject([
      { id: "fake", state: "error", configSource: ".dispatch/lsp.json" },
    ]);

    writeConfig("exit", { CHANGED: "1" });
    await runtime.service.diagnosticsAfterWrite({ path: file, cwd: dir });
    expect(runtime.manager.spawnCount("fake")).toBe(2);
    expectAllGone(loggedPids(log));
  });

  it("reports a command that cannot be spawned at all", async () => {
    const { runtime, file } = setup("ok");
    const config = { servers: { fake: { command: [join(dir, "no-such-binary")], extensions: [".fk"] } } };
    writeFileSync(join(dir, ".dispatch", "lsp.json"), JSON.stringify(config));
    const result = await runtime.service.diagnosticsAfterWrite({ path: file, cwd: dir });
    expect(result.notes.join("\n")).toContain("could not start");
    expect(runtime.manager.spawnCount("fake")).toBe(1);
  });
});

describe("a server that dies mid-session", () => {
  it("fails the call readably, is remembered as failed, and is not respawned within the backoff", async () => {
    const { runtime, log, file } = setup("die");
    const ok = await runtime.service.diagnosticsAfterWrite({ path: file, cwd: dir });
    expect(ok.timedOut).toBe(false);
    expect(runtime.service.status(dir)[0]?.state).toBe("connected");

    const context = createTestToolContext({ cwd: dir });
    const hover = await runtime.tool.execute(
      { operation: "hover", path: "x.fk", line: 1, character: 1 },
      context,
    );
    expect(hover.isError).toBe(true);
    expect(hover.content).toContain("No answer for hover");
    await until(() => runtime.service.status(dir)[0]?.state === "error", "the crash to be recorded");
    expect(runtime.service.status(dir)[0]?.error).toContain("exited with code 1");

    const again = await runtime.tool.execute(
      { operation: "hover", path: "x.fk", line: 1, character: 1 },
      context,
    );
    expect(again.isError).toBe(true);
    expect(again.content).toContain("not retried for");
    const write = await runtime.service.diagnosticsAfterWrite({ path: file, cwd: dir });
    expect(write.notes.join("\n")).toContain("is unavailable");
    expect(runtime.manager.spawnCount("fake")).toBe(1);
    await runtime.service.shutdown();
    expectAllGone(loggedPids(log));
  });
});

describe("a server that stops answering requests", () => {
  it("times requests out and, after three in a row, treats the server as wedged and kills it", async () => {
    const { runtime, log } = setup("hang");
    const context = createTestToolContext({ cwd: dir });
    const args = { operation: "hover", path: "x.fk", line: 1, character: 1 };
    for (let i = 0; i < 3; i++) {
      const result = await runtime.tool.execute(args, context);
      expect(result.isError).toBe(true);
      expect(result.content).toContain("got no answer within 0.3s");
    }
    await until(() => runtime.service.status(dir)[0]?.state === "error", "the wedge to be recorded");
    expect(runtime.service.status(dir)[0]?.error).toContain("stopped answering");
    await until(
      () => loggedPids(log).every((pid) => processState(pid) === "gone"),
      "the process to be killed",
    );
    expect(runtime.manager.spawnCount("fake")).toBe(1);
  });
});

describe("shutdown", () => {
  it("stops running, starting and hung servers, leaving no process behind", async () => {
    const { runtime, log, file } = setup("ok", { diagnosticsTimeoutMs: 300 });
    await runtime.service.diagnosticsAfterWrite({ path: file, cwd: dir });
    const sub = join(dir, "sub");
    mkdirSync(sub);
    const silentLog = join(dir, "silent.log");
    const script = writeFakeServer(dir);
    const config = {
      servers: { slow: { command: fakeServerCommand(script, "silent", silentLog), extensions: [".fk"] } },
    };
    mkdirSync(join(sub, ".dispatch"));
    writeFileSync(join(sub, ".dispatch", "lsp.json"), JSON.stringify(config));
    writeFileSync(join(sub, "y.fk"), "y\n");
    await runtime.service.diagnosticsAfterWrite({ path: join(sub, "y.fk"), cwd: sub });
    expect(
      runtime.service
        .servers()
        .map((s) => s.state)
        .sort(),
    ).toEqual(["connected", "starting"]);

    await runtime.service.shutdown();
    expectAllGone([...loggedPids(log), ...loggedPids(silentLog)]);
    const after = await runtime.service.diagnosticsAfterWrite({ path: file, cwd: dir });
    expect(after.notes.join("\n")).toContain("shutting down");
    expect(runtime.manager.spawnCount("fake")).toBe(1);
  });
});
