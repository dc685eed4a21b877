/** Configuration rules: defaults, validation messages, `.env` parsing and precedence. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_BASE_URL, loadConfig, parseDotEnv } from "./config.ts";
import { applyDotEnv } from "./main.ts";

describe("loadConfig", () => {
  it("has embedded defaults: loopback, default ports, a per-user data dir, no provider", () => {
    const config = loadConfig({ HOME: "/home/ada" }, "/work");
    expect(config.hostname).toBe("127.0.0.1");
    expect(config.httpPort).toBe(24203);
    expect(config.surfaceWsPort).toBe(24205);
    expect(config.dataDir).toBe("/home/ada/.local/share/dispatch");
    expect(config.dbPath).toBe("/home/ada/.local/share/dispatch/dispatch.db");
    expect(config.credentials).toEqual([]);
    expect(config.authEnabled).toBe(true);
  });

  it("follows XDG_DATA_HOME and resolves relative paths against the cwd", () => {
    expect(loadConfig({ XDG_DATA_HOME: "/xdg" }, "/w").dataDir).toBe("/xdg/dispatch");
    expect(loadConfig({ DISPATCH_DATA_DIR: "state" }, "/w").dataDir).toBe("/w/state");
  });

  it("builds credentials and the default model name", () => {
    const key = loadConfig({ DISPATCH_API_KEY: "sk-1", DISPATCH_MODEL: "flash" }, "/w");
    expect(key.credentials).toEqual([
      { name: "opencode", providerId: "openai-compat", baseURL: DEFAULT_BASE_URL, apiKey: "sk-1" },
    ]);
    expect(key.defaultModel).toBe("opencode/flash");
    const local = loadConfig(
      {
        DISPATCH_BASE_URL: "http://127.0.0.1:11434/v1/",
        DISPATCH_CREDENTIAL: "local",
        DISPATCH_MODEL: "local/qwen",
      },
      "/w",
    );
    expect(local.credentials[0]).toEqual({
      name: "local",
      providerId: "openai-compat",
      baseURL: "http://127.0.0.1:11434/v1",
    });
    expect(local.defaultModel).toBe("local/qwen");
    const umans = loadConfig({ UMANS_API_KEY: "u-1" }, "/w");
    expect(umans.credentials.map((c) => c.name)).toEqual(["umans"]);
  });

  it("names every bad variable and what it must be", () => {
    let message = "";
    try {
      loadConfig({ BACKEND_PORT: "99999", DISPATCH_MAX_STEPS: "0", DISPATCH_LOG_LEVEL: "loud" }, "/w");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain("BACKEND_PORT must be a port number");
    expect(message).toContain("DISPATCH_MAX_STEPS must be a positive integer");
    expect(message).toContain("DISPATCH_LOG_LEVEL must be debug, info, warn or error");
  });
});

describe(".env", () => {
  it("parses comments, export, quotes and trailing comments", () => {
    expect(parseDotEnv("# c\nexport A=1\nB=\"two words\"\nC='x#y'\nD=plain # note\nnot a line\n")).toEqual({
      A: "1",
      B: "two words",
      C: "x#y",
      D: "plain",
    });
  });

  it("never overrides a variable the environment already has", () => {
    const dir = mkdtempSync(join(tmpdir(), "dispatch-env-"));
    try {
      writeFileSync(join(dir, ".env"), "BACKEND_PORT=1111\nDISPATCH_MODEL=from-file\n");
      const env: Record<string, string | undefined> = { BACKEND_PORT: "2222" };
      applyDotEnv(env, dir);
      expect(env).toEqual({ BACKEND_PORT: "2222", DISPATCH_MODEL: "from-file" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
