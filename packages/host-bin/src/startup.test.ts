/**
 * What the program loads at start, observed in a real child process through a preload that lists
 * the modules it evaluated: the `collector` subcommand (the same binary, run by the daemon as its
 * collector) evaluates the collector's modules and none of the daemon's; the daemon, started and
 * stopped without a request, evaluates neither the collector itself nor what its extensions load
 * on first use (the AI SDK, the Firecrawl SDK, vscode-jsonrpc).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAIN_PATH } from "./spawn-daemon.ts";

const PRELOAD = join(import.meta.dir, "fixtures", "loaded-modules-preload.ts");

/**
 * Runs `bun main.ts <args>` with the preload; its exit code, stderr and the modules it loaded.
 * With `untilListening`, it is stopped with SIGTERM once it says it listens.
 */
async function run(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; untilListening?: boolean } = {},
): Promise<{ code: number; stderr: string; modules: string[] }> {
  const child = Bun.spawn([process.execPath, "--preload", PRELOAD, MAIN_PATH, ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const stderrText = options.untilListening ? stopOnceListening(child) : new Response(child.stderr).text();
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    stderrText,
    child.exited,
  ]);
  return { code, stderr, modules: JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as string[] };
}

/** Reads the child's stderr, sending SIGTERM when the listening line appears; resolves with all of it. */
async function stopOnceListening(child: Bun.Subprocess<"ignore", "pipe", "pipe">): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stderr) {
    const before = text;
    text += decoder.decode(chunk, { stream: true });
    if (!before.includes("listening on") && text.includes("listening on")) child.kill("SIGTERM");
  }
  return text;
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

describe("the daemon", () => {
  it("starts without loading the collector or what its extensions load on first use", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dispatch-startup-"));
    try {
      const env = {
        HOME: dir,
        DISPATCH_DATA_DIR: join(dir, "data"),
        BACKEND_PORT: "0",
        SURFACE_WS_PORT: "0",
      };
      const { code, stderr, modules } = await run([], { env, cwd: dir, untilListening: true });
      expect({ code, stderr }).toMatchObject({ code: 0, stderr: expect.stringContaining("listening on") });
      const loaded = (part: string) => modules.some((path) => path.includes(part));
      expect(loaded("/transport-http/src/")).toBe(true);
      expect(loaded("/observability-collector/src/supervisor.ts")).toBe(true);
      for (const part of [
        "/observability-collector/src/collector.ts",
        "/trace-store/",
        "/ai/dist/",
        "openai-compatible",
        "/firecrawl-js/",
        "vscode-jsonrpc",
      ]) {
        expect({ part, loaded: loaded(part) }).toEqual({ part, loaded: false });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
