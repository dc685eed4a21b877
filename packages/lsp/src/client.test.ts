/**
 * The client against a scriptable fake server (a real process): per-write notes (present, new,
 * fixed, silent when nothing changed, a note when the time limit cuts the wait), push and pull
 * diagnostics merged, registered watchers delivering real events, open documents bounded, URIs
 * encoded, status and the tool's refusals without spawning anything, and (in a fresh process)
 * vscode-jsonrpc loaded by the first server start, not at activation.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nullLogger } from "@dispatch/kernel";
import { createTestToolContext } from "@dispatch/tool-kit/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toUri } from "./paths.ts";
import { createLspRuntime, type LspOptions, type LspRuntime } from "./runtime.ts";
import { type FakeServerMode, fakeServerCommand, readFakeLog, writeFakeServer } from "./testing.ts";

let dir: string;
let runtime: LspRuntime | undefined;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "lsp-client-")));
});

afterEach(async () => {
  await runtime?.service.shutdown();
  runtime = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function setup(mode: FakeServerMode, options: LspOptions = {}) {
  const log = join(dir, `${mode}.log`);
  const command = fakeServerCommand(writeFakeServer(dir), mode, log);
  mkdirSync(join(dir, ".dispatch"), { recursive: true });
  writeFileSync(
    join(dir, ".dispatch", "lsp.json"),
    JSON.stringify({ servers: { fake: { command, extensions: [".fk"] } } }),
  );
  runtime = createLspRuntime({
    logger: nullLogger,
    trustProjectConfig: true,
    enableBuiltins: false,
    statusSurface: false,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    diagnosticsTimeoutMs: 5_000,
    settleMs: 100,
    ...options,
  });
  return { runtime, log };
}

async function write(name: string, text: string) {
  const path = join(dir, name);
  writeFileSync(path, text);
  if (runtime === undefined) throw new Error("no runtime");
  return runtime.service.diagnosticsAfterWrite({ path, cwd: dir });
}

describe("per-write diagnostics", () => {
  it("list what is there, then what an edit introduced and fixed, and stay quiet otherwise", async () => {
    setup("ok");
    const first = await write("x.fk", "one\nERROR: missing semicolon\n");
    expect(first.notes).toEqual([
      "LSP fake: 1 error, 0 warnings in x.fk:\n  2:1 error: missing semicolon (fake)\n      | ERROR: missing semicolon",
    ]);
    const second = await write("x.fk", "zero\none\nWARN: unused\nERROR: missing semicolon\n");
    expect(second.notes).toEqual([
      [
        "LSP fake on x.fk after this edit:",
        "New (0 errors, 1 warning):",
        "  3:1 warning: unused (fake)",
        "      | WARN: unused",
        "1 earlier error or warning unchanged.",
      ].join("\n"),
    ]);
    expect((await write("x.fk", "zero\none more\nWARN: unused\nERROR: missing semicolon\n")).notes).toEqual(
      [],
    );
    const fixed = await write("x.fk", "zero\n");
    expect(fixed.notes[0]).toContain("Fixed (1 error, 1 warning):\n  warning: unused (fake) [was at 3:1]");
    expect(fixed.notes[0]).toContain("No errors or warnings remain in x.fk.");
    expect(await write("notes.txt", "ERROR: not a .fk file")).toEqual({ notes: [], timedOut: false });
  });

  it("return within the time limit with a note when diagnostics do not come", async () => {
    setup("hang", { diagnosticsTimeoutMs: 400 });
    const result = await write("x.fk", "ERROR: never reported\n");
    expect(result.timedOut).toBe(true);
    expect(result.notes).toEqual([
      "LSP fake: no diagnostics for x.fk within 0.4s; the edit was applied without them (use the lsp tool's diagnostics operation to check later).",
    ]);
  });

  it("merge pulled and pushed diagnostics, each problem once", async () => {
    setup("pull");
    const result = await write("x.fk", "ERROR: pulled only\nWARN: pushed and pulled\n");
    expect(result.notes[0]).toContain("1 error, 1 warning in x.fk");
    const context = createTestToolContext({ cwd: dir });
    const report = await runtime?.tool.execute({ operation: "diagnostics", path: "x.fk" }, context);
    expect(report?.content).toBe(
      [
        "x.fk: 1 error, 1 warning (fake):",
        "  1:1 error: pulled only (fake)",
        "      | ERROR: pulled only",
        "  2:1 warning: pushed and pulled (fake)",
        "      | WARN: pushed and pulled",
      ].join("\n"),
    );
  });
});

describe("documents and watchers", () => {
  it("send real watched-file events for the globs the server registered", async () => {
    const { log } = setup("ok");
    await write("x.fk", "hello\n");
    writeFileSync(join(dir, "later.fake"), "created after the server started\n");
    writeFileSync(join(dir, "ignored.txt"), "not matched\n");
    let watched: unknown[] = [];
    for (let i = 0; i < 100 && watched.length === 0; i++) {
      await Bun.sleep(20);
      watched = readFakeLog(log).filter((entry) => entry.event === "watched");
    }
    expect(watched).toEqual([
      { event: "watched", changes: [{ uri: toUri(join(dir, "later.fake")), type: 1 }] },
    ]);
  });

  it("close the least recently used document past the limit and encode URIs", async () => {
    const { log } = setup("ok", { maxOpenDocuments: 2 });
    for (const name of ["a b.fk", "c#d.fk", "e%f.fk"]) await write(name, "text\n");
    const events = readFakeLog(log);
    expect(
      events.filter((entry) => entry.event === "opened").map((entry) => "uri" in entry && entry.uri),
    ).toEqual([`${toUri(dir)}/a%20b.fk`, `${toUri(dir)}/c%23d.fk`, `${toUri(dir)}/e%25f.fk`]);
    expect(events.filter((entry) => entry.event === "closed")).toEqual([
      { event: "closed", uri: `${toUri(dir)}/a%20b.fk` },
    ]);
  });
});

describe("concurrent starts", () => {
  it("share one process per (server, root)", async () => {
    const { runtime } = setup("ok");
    const results = await Promise.all(["a.fk", "b.fk", "c.fk"].map((name) => write(name, "ERROR: x\n")));
    expect(results.every((result) => result.notes[0]?.includes("1 error"))).toBe(true);
    expect(runtime.manager.spawnCount("fake")).toBe(1);
    expect(runtime.service.servers()).toMatchObject([{ serverId: "fake", root: dir, state: "connected" }]);
  });
});

describe("status and refusals", () => {
  it("report servers without spawning, and untrusted project servers as not started", () => {
    const { runtime } = setup("ok", { trustProjectConfig: false });
    expect(runtime.service.status(dir)).toEqual([
      {
        id: "fake",
        name: "fake",
        root: dir,
        extensions: [],
        state: "not-started",
        error: expect.stringContaining("trusted only when the daemon enables trustProjectConfig"),
        configSource: ".dispatch/lsp.json",
      },
    ]);
    expect(runtime.manager.spawnCount("fake")).toBe(0);
  });

  it("answer the tool's misuse with what to do", async () => {
    const { runtime } = setup("ok");
    writeFileSync(join(dir, "notes.md"), "# notes\n");
    const context = createTestToolContext({ cwd: dir });
    const unsupported = await runtime.tool.execute({ operation: "diagnostics", path: "notes.md" }, context);
    expect(unsupported).toEqual({
      content: 'No language server handles "notes.md" (configured: fake (.fk)).',
      isError: true,
    });
    const noServer = await runtime.tool.execute({ operation: "workspaceSymbol", query: "x" }, context);
    expect(noServer.content).toContain("Pass `path`");
    const noQuery = await runtime.tool.execute({ operation: "workspaceSymbol" }, context);
    expect(noQuery.content).toContain("`query`: required for workspaceSymbol");
    expect(runtime.manager.spawnCount("fake")).toBe(0);
  });
});

describe("loading", () => {
  it("loads vscode-jsonrpc with the first server, not at activation (fresh process)", async () => {
    const { log } = setup("ok");
    const path = join(dir, "x.fk");
    writeFileSync(path, "ERROR: missing semicolon\n");
    // `require.cache` lists every module Bun has evaluated, ES modules included.
    const script = `
      const { createHost, nullLogger } = await import("@dispatch/kernel");
      const { createLspExtension } = await import(${JSON.stringify(join(import.meta.dir, "extension.ts"))});
      const { lspService } = await import(${JSON.stringify(join(import.meta.dir, "service.ts"))});
      const loaded = () => Object.keys(require.cache).some((path) => path.includes("vscode-jsonrpc"));
      const extension = createLspExtension({
        trustProjectConfig: true, enableBuiltins: false, statusSurface: false,
        env: { PATH: process.env.PATH }, settleMs: 100,
      });
      const host = createHost({ extensions: [extension], logger: nullLogger, now: Date.now, sleep: Bun.sleep });
      await host.activate();
      const atActivation = loaded();
      const result = await host.api.getService(lspService).diagnosticsAfterWrite({
        path: ${JSON.stringify(path)}, cwd: ${JSON.stringify(dir)},
      });
      const afterStart = loaded();
      await host.deactivate();
      console.log(JSON.stringify({ atActivation, afterStart, notes: result.notes }));
      process.exit(0);
    `;
    const child = Bun.spawn([process.execPath, "-e", script], { cwd: import.meta.dir, stderr: "pipe" });
    const [out, err, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    const report = JSON.parse(out) as { atActivation: boolean; afterStart: boolean; notes: string[] };
    expect(report).toMatchObject({ atActivation: false, afterStart: true });
    expect(report.notes[0]).toContain("1 error, 0 warnings in x.fk");
    expect(readFakeLog(log).some((entry) => entry.event === "initialize")).toBe(true);
  });
});
