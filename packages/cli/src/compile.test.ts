/**
 * The single-file binaries from `bin/build`, run with the repository hidden (an empty tmpfs over it
 * in a private mount namespace): the compiled `dispatch-server` starts in an empty directory holding
 * only `.env`, serves a turn to the compiled `dispatch`, runs its collector as
 * `dispatch-server collector …` (which fills the trace database), and on SIGTERM exits 0 leaving
 * no collector process behind.
 */
import { Database } from "bun:sqlite";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ScriptedModel, startScriptedModel, textReply } from "@dispatch/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DaemonProcess,
  freePort,
  REPO_ROOT,
  removeDir,
  runCli,
  spawnDaemon,
  tempDir,
} from "./test-daemon.ts";

const TIMEOUT_MS = 60_000;
/** Runs a command with the repository hidden under an empty tmpfs (a private mount namespace). */
const WITHOUT_REPO = [
  "unshare",
  "--user",
  "--map-root-user",
  "--mount",
  "sh",
  "-c",
  'mount -t tmpfs tmpfs "$1" && shift && exec "$@"',
  "sh",
  REPO_ROOT,
];

/** Command lines of the live children of `pid` (from /proc). */
function childCommands(pid: number): string[] {
  const commands: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid)
        commands.push(readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim());
    } catch {
      // the process ended while we looked
    }
  }
  return commands;
}

/** Rows of the trace database's `records` for a conversation, waiting (bounded) for the collector. */
async function tracedRecords(dbPath: string, conversationId: string): Promise<number> {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (existsSync(dbPath)) {
      const db = new Database(dbPath, { readonly: true });
      try {
        const row = db
          .query("SELECT count(*) AS n FROM records WHERE conversationId = ?")
          .get(conversationId) as {
          n: number;
        } | null;
        if ((row?.n ?? 0) > 0) return row?.n ?? 0;
      } catch {
        // the schema is not created yet
      } finally {
        db.close();
      }
    }
    await Bun.sleep(100);
  }
  return 0;
}

describe("the compiled binaries", () => {
  let work: string;
  let model: ScriptedModel;
  let daemon: DaemonProcess | undefined;
  let build: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    work = tempDir("dispatch-compile-");
    model = await startScriptedModel();
    const proc = Bun.spawn([join(REPO_ROOT, "bin", "build"), "--outdir", join(work, "dist")], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    build = { code, stdout, stderr };
  }, TIMEOUT_MS);

  afterAll(async () => {
    await daemon?.stop();
    await model.close();
    removeDir(work);
  }, TIMEOUT_MS);

  it("are built as executables", () => {
    expect(build.stderr).toBe("");
    expect(build.code).toBe(0);
    for (const name of ["dispatch-server", "dispatch"]) {
      expect(statSync(join(work, "dist", name)).mode & 0o111).toBe(0o111);
    }
  });

  it("run with the repository hidden", () => {
    const probe = Bun.spawnSync([...WITHOUT_REPO, "ls", "-A", REPO_ROOT], { stdout: "pipe", stderr: "pipe" });
    expect(probe.stderr.toString()).toBe("");
    expect(probe.stdout.toString()).toBe("");
    expect(probe.exitCode).toBe(0);
  });

  it(
    "serve a turn from an empty directory with only .env, with the collector, and stop cleanly on SIGTERM",
    async () => {
      const run = join(work, "run");
      const port = freePort();
      Bun.spawnSync(["mkdir", run]);
      writeFileSync(
        join(run, ".env"),
        [
          `BACKEND_PORT=${port}`,
          `SURFACE_WS_PORT=${freePort()}`,
          `DISPATCH_BASE_URL=${model.baseURL}`,
          "DISPATCH_MODEL=scripted-model",
          "DISPATCH_DATA_DIR=./data",
          "",
        ].join("\n"),
      );
      const dataDir = join(run, "data");
      daemon = await spawnDaemon({
        command: [...WITHOUT_REPO, join(work, "dist", "dispatch-server")],
        cwd: run,
        dataDir,
        setPaths: false,
        env: { BACKEND_PORT: String(port) },
      });
      model.respondWith(() => textReply("Compiled and running."));
      const turn = await runCli(
        ["opencode/scripted-model", "--text", "hello", "--conversation", "compiled-1"],
        {
          command: [...WITHOUT_REPO, join(work, "dist", "dispatch")],
          env: { DISPATCH_SERVER: daemon.url, DISPATCH_DATA_DIR: dataDir },
        },
      );
      expect(turn.stderr).toBe("");
      expect(turn.code).toBe(0);
      expect(turn.stdout).toContain("Compiled and running.");
      expect(turn.stdout.trimEnd().split("\n").at(-1)).toBe("[conversation] compiled-1");

      expect(await tracedRecords(join(dataDir, "traces.db"), "compiled-1")).toBeGreaterThan(0);

      const stopping = daemon;
      daemon = undefined;
      const serverPid = stopping.proc.pid;
      expect(childCommands(serverPid).some((c) => c.includes(" collector "))).toBe(true);
      expect(await stopping.stop()).toBe(0);
      expect(stopping.stderr()).toContain("stopped");
      const leftovers = readdirSync("/proc").filter((entry) => {
        if (!/^\d+$/.test(entry)) return false;
        try {
          return readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(join(dataDir, "journal"));
        } catch {
          return false;
        }
      });
      expect(leftovers).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
