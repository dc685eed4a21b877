/**
 * Configuration per cwd: built-ins only when their binary is on PATH, project files gated by
 * trust (they may always disable), `.dispatch/lsp.json` over `opencode.json`, bad files reported
 * rather than thrown, and the TypeScript server's tsserver found in the workspace or configured.
 */
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConfigOptions, resolveConfig } from "./config.ts";

let dir: string;
let bin: string;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "lsp-config-")));
  bin = join(dir, "bin");
  mkdirSync(bin);
  for (const name of ["gopls", "typescript-language-server"]) {
    writeFileSync(join(bin, name), "#!/bin/sh\n");
    chmodSync(join(bin, name), 0o755);
  }
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const options = (overrides: Partial<ConfigOptions> = {}): ConfigOptions => ({
  trustProjectConfig: false,
  enableBuiltins: true,
  searchPath: bin,
  ...overrides,
});

function writeJson(path: string, value: unknown): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, JSON.stringify(value));
}

describe("built-in servers", () => {
  it("are offered only when their binary is on PATH, with its absolute path", () => {
    const { servers, skipped } = resolveConfig(dir, options());
    expect(servers.map((server) => server.id)).toEqual(["typescript", "gopls"]);
    expect(servers[0]?.command).toEqual([join(bin, "typescript-language-server"), "--stdio"]);
    expect(servers[0]?.source).toBe("builtin");
    expect(skipped).toEqual([]);
    expect(resolveConfig(dir, options({ enableBuiltins: false })).servers).toEqual([]);
  });

  it("point the TypeScript server at the workspace's tsserver, else the configured one", () => {
    const typescript = (opts: ConfigOptions) =>
      resolveConfig(dir, opts).servers.find((s) => s.id === "typescript");
    expect(
      typescript(options({ typescriptServerPath: "/opt/ts6/tsserver.js" }))?.initialization(dir),
    ).toEqual({
      tsserver: { path: "/opt/ts6/tsserver.js", useClientFileWatcher: true },
    });
    const own = join(dir, "node_modules", "typescript", "lib", "tsserver.js");
    mkdirSync(join(own, ".."), { recursive: true });
    writeFileSync(own, "");
    const sub = join(dir, "packages", "app");
    mkdirSync(sub, { recursive: true });
    expect(
      typescript(options({ typescriptServerPath: "/opt/ts6/tsserver.js" }))?.initialization(sub),
    ).toEqual({
      tsserver: { path: own, useClientFileWatcher: true },
    });
  });
});

describe("project files", () => {
  const custom = { servers: { lua: { command: ["lua-language-server"], extensions: ["lua", ".LUAU"] } } };

  it("are not spawned unless trusted, but may disable servers", () => {
    writeJson(join(dir, ".dispatch", "lsp.json"), {
      servers: { ...custom.servers, gopls: { disabled: true } },
    });
    const { servers, skipped } = resolveConfig(dir, options());
    expect(servers.map((server) => server.id)).toEqual(["typescript"]);
    expect(skipped).toEqual([
      {
        id: "lua",
        source: ".dispatch/lsp.json",
        state: "not-started",
        reason: expect.stringContaining("trustProjectConfig"),
      },
    ]);
  });

  it("add and override servers when trusted", () => {
    writeJson(join(dir, ".dispatch", "lsp.json"), {
      servers: { ...custom.servers, gopls: { extensions: [".go", ".tmpl"], env: { GOFLAGS: "-mod=mod" } } },
    });
    const { servers } = resolveConfig(dir, options({ trustProjectConfig: true }));
    const lua = servers.find((server) => server.id === "lua");
    expect(lua).toMatchObject({
      command: ["lua-language-server"],
      extensions: [".lua", ".luau"],
      source: ".dispatch/lsp.json",
    });
    const gopls = servers.find((server) => server.id === "gopls");
    expect(gopls).toMatchObject({
      command: [join(bin, "gopls")],
      extensions: [".go", ".tmpl"],
      env: { GOFLAGS: "-mod=mod" },
    });
    expect(gopls?.source).toBe(".dispatch/lsp.json");
  });

  it("prefer .dispatch/lsp.json over opencode.json, whose `lsp: false` turns everything off", () => {
    writeJson(join(dir, "opencode.json"), { lsp: false });
    expect(resolveConfig(dir, options()).servers).toEqual([]);
    writeJson(join(dir, ".dispatch", "lsp.json"), custom);
    const { servers } = resolveConfig(dir, options({ trustProjectConfig: true }));
    expect(servers.map((server) => server.id)).toEqual(["typescript", "gopls", "lua"]);
  });

  it("read the `lsp` key of opencode.json", () => {
    writeJson(join(dir, "opencode.json"), {
      $schema: "https://opencode.ai/config.json",
      lsp: custom.servers,
    });
    const lua = resolveConfig(dir, options({ trustProjectConfig: true })).servers.find((s) => s.id === "lua");
    expect(lua?.source).toBe("opencode.json");
  });

  it("report broken files and entries instead of throwing", () => {
    mkdirSync(join(dir, ".dispatch"));
    writeFileSync(join(dir, ".dispatch", "lsp.json"), "{ not json");
    const broken = resolveConfig(dir, options({ trustProjectConfig: true }));
    expect(broken.skipped[0]).toMatchObject({ id: ".dispatch/lsp.json", state: "error" });
    expect(broken.skipped[0]?.reason).toContain("not valid JSON");
    expect(broken.servers.map((server) => server.id)).toEqual(["typescript", "gopls"]);

    writeJson(join(dir, ".dispatch", "lsp.json"), {
      servers: { nocmd: { extensions: [".x"] }, bad: { command: "x" } },
    });
    const { skipped } = resolveConfig(dir, options({ trustProjectConfig: true }));
    expect(skipped.map((entry) => [entry.id, entry.state])).toEqual([
      ["nocmd", "error"],
      ["bad", "error"],
    ]);
    expect(skipped[0]?.reason).toContain("`command` is required");
  });
});
