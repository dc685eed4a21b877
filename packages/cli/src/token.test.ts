/**
 * Finding the server and the token: the order of places looked at, what is remembered about files
 * that exist but cannot be read, and the advice printed when the token is refused.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { guessSocketUrl, serverCandidates } from "./config.ts";
import { CliError } from "./errors.ts";
import { removeDir, tempDir } from "./test-daemon.ts";
import { findTokens, SERVICE_TOKEN_PATH, tokenAdvice, tokenPaths } from "./token.ts";

describe("token discovery", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => removeDir(dir));

  const readText = (path: string) => readFile(path, "utf8");

  it("looks in DISPATCH_DATA_DIR, then the default data dir, then the installed service", () => {
    expect(tokenPaths({ DISPATCH_DATA_DIR: "/d", HOME: "/home/u" })).toEqual([
      "/d/token",
      "/home/u/.local/share/dispatch/token",
      SERVICE_TOKEN_PATH,
    ]);
    expect(tokenPaths({ XDG_DATA_HOME: "/x", HOME: "/home/u" })).toEqual([
      "/x/dispatch/token",
      SERVICE_TOKEN_PATH,
    ]);
  });

  it("uses DISPATCH_TOKEN alone when it is set", async () => {
    const search = await findTokens({ DISPATCH_TOKEN: "t0", DISPATCH_DATA_DIR: dir }, readText);
    expect(search.candidates).toEqual([{ token: "t0", source: "DISPATCH_TOKEN" }]);
  });

  it("reads every token file that exists, in order, trimmed, and reports the others", async () => {
    const home = join(dir, "home");
    mkdirSync(join(home, ".local", "share", "dispatch"), { recursive: true });
    writeFileSync(join(dir, "token"), "first\n");
    writeFileSync(join(home, ".local", "share", "dispatch", "token"), "  \n");
    const search = await findTokens({ DISPATCH_DATA_DIR: dir, HOME: home }, readText);
    expect(search.candidates).toEqual([{ token: "first", source: join(dir, "token") }]);
    expect(search.looked.map((l) => l.outcome)).toEqual(["found", "empty", "missing"]);
  });

  it("remembers a file it may not read and says how to get access", async () => {
    const denied = async (path: string): Promise<string> => {
      if (path === SERVICE_TOKEN_PATH) throw Object.assign(new Error("denied"), { code: "EACCES" });
      throw Object.assign(new Error("missing"), { code: "ENOENT" });
    };
    const search = await findTokens({ HOME: dir }, denied);
    expect(search.candidates).toEqual([]);
    expect(search.looked.at(-1)).toEqual({ source: SERVICE_TOKEN_PATH, outcome: "unreadable" });
    const advice = tokenAdvice(search, "Missing or wrong token.").join("\n");
    expect(advice).toContain("The server said: Missing or wrong token.");
    expect(advice).toContain("sudo usermod -aG dispatch $USER");
    expect(advice).toContain("DISPATCH_TOKEN");
  });

  it("says where it looked when it found nothing", () => {
    const advice = tokenAdvice({ candidates: [], looked: [{ source: "/a/token", outcome: "missing" }] });
    expect(advice[0]).toBe("No token found; looked in /a/token.");
  });
});

describe("server discovery", () => {
  it("prefers --server, then DISPATCH_SERVER, then BACKEND_PORT, then the dev and service ports", () => {
    const env = { DISPATCH_SERVER: "http://h:1/", BACKEND_PORT: "2" };
    expect(serverCandidates("http://flag:9", env)).toEqual([{ url: "http://flag:9", source: "--server" }]);
    expect(serverCandidates(undefined, env)).toEqual([{ url: "http://h:1", source: "DISPATCH_SERVER" }]);
    expect(serverCandidates(undefined, { BACKEND_PORT: "2" })[0]?.url).toBe("http://127.0.0.1:2");
    expect(serverCandidates(undefined, {}).map((s) => s.url)).toEqual([
      "http://127.0.0.1:24203",
      "http://127.0.0.1:24991",
    ]);
  });

  it("refuses a malformed URL or port as a usage error", () => {
    for (const [flag, env] of [
      ["ftp://x", {}],
      [undefined, { DISPATCH_SERVER: "nope" }],
      [undefined, { BACKEND_PORT: "99999" }],
    ] as const) {
      let error: unknown;
      try {
        serverCandidates(flag, env);
      } catch (err) {
        error = err;
      }
      expect(error instanceof CliError && error.exitCode === 2).toBe(true);
    }
  });

  it("pairs the WebSocket port with the HTTP port unless SURFACE_WS_PORT says otherwise", () => {
    expect(guessSocketUrl("http://127.0.0.1:24203", {})).toBe("ws://127.0.0.1:24205");
    expect(guessSocketUrl("http://127.0.0.1:24991", {})).toBe("ws://127.0.0.1:24990");
    expect(guessSocketUrl("https://[::1]:5", { SURFACE_WS_PORT: "7" })).toBe("wss://[::1]:7");
  });
});
