/**
 * Against the real typescript-language-server (a devDependency, found on PATH like in production)
 * on a small fixture project, through a real host: a write that introduces a type error gets it
 * appended through tool-kit's `fileWrittenFilter`, the write that fixes it reports it fixed, the
 * `lsp` tool finds definitions and references, a file created on disk after the server started is
 * seen through the watched-file events, and shutdown leaves no server (or tsserver) process.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, type Host, nullLogger } from "@dispatch/kernel";
import { createSurfaceRegistryExtension, surfaceRegistryService } from "@dispatch/surface-registry";
import { fileWrittenFilter } from "@dispatch/tool-kit";
import { createTestToolContext } from "@dispatch/tool-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLspExtension } from "./extension.ts";
import { lspService } from "./service.ts";
import { liveGroupMembers, processState, typescriptServerSetup, writeTypeScriptFixture } from "./testing.ts";

let dir: string;
let host: Host;

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "lsp-ts-")));
  const project = join(dir, "project");
  const setup = typescriptServerSetup(dir);
  mkdirSync(project);
  writeTypeScriptFixture(project);
  host = createHost({
    extensions: [
      createSurfaceRegistryExtension(),
      createLspExtension({ ...setup, diagnosticsTimeoutMs: 20_000, toolTimeoutMs: 20_000 }),
    ],
    logger: nullLogger,
    now: Date.now,
    sleep: (ms) => Bun.sleep(ms),
  });
  await host.activate();
});

afterAll(async () => {
  await host.deactivate();
  rmSync(dir, { recursive: true, force: true });
});

const project = () => join(dir, "project");

/** Writes a file as edit_file would, then runs the per-write filter chain; returns the notes. */
async function write(name: string, text: string): Promise<string> {
  const path = join(project(), name);
  writeFileSync(path, text);
  const written = await host.api.applyFilters(fileWrittenFilter, {
    path,
    cwd: project(),
    conversationId: "conv-ts",
    signal: new AbortController().signal,
    notes: [],
  });
  return written.notes.join("\n");
}

async function lsp(args: Record<string, unknown>) {
  const tool = host.api.tool("lsp");
  if (tool === undefined) throw new Error("the lsp tool is not registered");
  return tool.execute(args, createTestToolContext({ cwd: project() }));
}

describe("typescript-language-server", () => {
  it("appends the type error an edit introduces, then reports it fixed", async () => {
    const broken = await write("a.ts", 'import { b } from "./b";\n\nexport const a: string = b + 1;\n');
    expect(broken).toContain("LSP TypeScript");
    expect(broken).toContain(
      "3:14 error: Type 'number' is not assignable to type 'string'. (typescript 2322)",
    );
    expect(broken).toContain("| export const a: string = b + 1;");

    const fixed = await write("a.ts", 'import { b } from "./b";\n\nexport const a: number = b + 1;\n');
    expect(fixed).toContain("Fixed (1 error, 0 warnings):");
    expect(fixed).toContain("Type 'number' is not assignable to type 'string'");
    expect(fixed).toContain("No errors or warnings remain in a.ts.");

    const again = await write("a.ts", 'import { b } from "./b";\n\nexport const a: number = b + "x";\n');
    expect(again).toContain("New (1 error, 0 warnings):");
    expect(again).toContain("Type 'string' is not assignable to type 'number'");
    expect(await write("a.ts", 'import { b } from "./b";\n\nexport const a: number = b + 1;\n')).toContain(
      "Fixed",
    );
  }, 60_000);

  it("finds definitions and references with paths relative to the cwd", async () => {
    const definition = await lsp({ operation: "definition", path: "a.ts", line: 3, character: 26 });
    expect(definition.isError).toBeUndefined();
    expect(definition.content).toBe("Definition of a.ts:3:26 (`b`) (1):\nb.ts:1:14  export const b = 1;");

    const references = await lsp({ operation: "references", path: "b.ts", line: 1, character: 14 });
    expect(references.content).toBe(
      [
        "References to b.ts:1:14 (`b`) (3):",
        'a.ts:1:10  import { b } from "./b";',
        "a.ts:3:26  export const a: number = b + 1;",
        "b.ts:1:14  export const b = 1;",
      ].join("\n"),
    );

    const hover = await lsp({ operation: "hover", path: "b.ts", line: 1, character: 14 });
    expect(hover.content).toContain("const b: 1");
    const symbols = await lsp({ operation: "documentSymbol", path: "a.ts" });
    expect(symbols.content).toContain("a  3:14");
    const search = await lsp({ operation: "workspaceSymbol", query: "b" });
    expect(search.content).toContain("b.ts:1:14");
  }, 60_000);

  it("sees a file created on disk after the server started (watched-file events)", async () => {
    const missing = await write("a.ts", 'import { c } from "./c";\n\nexport const a: number = c;\n');
    expect(missing).toContain("Cannot find module './c'");
    writeFileSync(join(project(), "c.ts"), "export const c = 3;\n"); // as a shell command would
    let report = "";
    for (let i = 0; i < 40; i++) {
      report = String((await lsp({ operation: "diagnostics", path: "a.ts" })).content);
      if (!report.includes("Cannot find module")) break;
      await Bun.sleep(250);
    }
    expect(report).toBe("a.ts: no errors or warnings (TypeScript).");
  }, 60_000);

  it("reports status, shows the surface, and leaves no process after shutdown", async () => {
    const service = host.api.getService(lspService);
    const status = service.status(project());
    expect(status).toContainEqual(
      expect.objectContaining({
        id: "typescript",
        root: project(),
        state: "connected",
        configSource: "builtin",
      }),
    );
    const spec = await host.api.getService(surfaceRegistryService).getSpec("lsp-status");
    expect(spec.fields).toContainEqual({
      kind: "stat",
      label: `typescript · ${project()}`,
      value: "connected",
    });

    const pids = service.servers().flatMap((server) => (server.pid === undefined ? [] : [server.pid]));
    expect(pids.length).toBe(1);
    const [pid] = pids;
    if (pid === undefined) throw new Error("no pid");
    expect(liveGroupMembers(pid).length).toBeGreaterThan(1); // the server, its tsservers, typings installer
    await service.shutdown();
    expect(processState(pid)).toBe("gone");
    expect(liveGroupMembers(pid)).toEqual([]);
  }, 60_000);
});
