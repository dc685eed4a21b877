/**
 * What the program loads at start: the `collector` subcommand (the same binary, run by the daemon
 * as its collector) evaluates the collector's modules and none of the daemon's (transports, turn
 * loop, tools, providers), observed in a real child process through a preload that lists them.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAIN_PATH } from "./spawn-daemon.ts";

const PRELOAD = join(import.meta.dir, "fixtures", "loaded-modules-preload.ts");

/** Runs `bun main.ts <args>` with the preload; its exit code, stderr and the modules it loaded. */
async function run(args: string[]): Promise<{ code: number; stderr: string; modules: string[] }> {
  const child = Bun.spawn([process.execPath, "--preload", PRELOAD, MAIN_PATH, ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stderr, modules: JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as string[] };
}

describe("the collector subcommand", () => {
  it("loads the collector and none of the daemon's modules", async () => {
    const { code, stderr, modules } = await run(["collector"]);
    expect(code).toBe(2);
    expect(stderr).toContain("usage: observability-collector");
    const loaded = (part: string) => modules.some((path) => path.includes(part));
    expect(loaded("/observability-collector/src/main.ts")).toBe(true);
    for (const part of [
      "/host-bin/src/extensions.ts",
      "/session-orchestrator/",
      "/transport-http/",
      "/transport-ws/",
      "/provider-openai-compat/",
      "/tool-shell/",
      "/lsp/",
      "/hono/",
      "/ai/dist/",
      "/firecrawl-js/",
      "vscode-jsonrpc",
    ]) {
      expect({ part, loaded: loaded(part) }).toEqual({ part, loaded: false });
    }
  });
});
