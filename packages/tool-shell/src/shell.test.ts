/**
 * run_shell with real child processes: output streaming and exit codes, timeouts, the output cap,
 * the secret-free environment, and the process-tree kill (background jobs, nohup and setsid
 * children, a fork loop) under both isolations: 0 survivors one second after an abort, the result
 * back within two seconds.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, createLogger, type LogRecord, nullLogger, type Tool } from "@dispatch/kernel";
import { createTestToolContext, type TestToolContext } from "@dispatch/tool-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnvironment } from "./environment.ts";
import { createShellExtension } from "./extension.ts";
import { createIsolationProbe, type Isolation, probeIsolation } from "./isolation.ts";
import { createShellTool } from "./shell-tool.ts";

let cwd: string;
let auto: Isolation;
let groupOnly: Isolation;
const env = childEnvironment(process.env);

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "shell-"));
  auto = await probeIsolation("auto");
  groupOnly = await probeIsolation("process-group");
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function shell(isolation: Isolation = auto, maxOutputChars?: number): Tool {
  return createShellTool({
    isolation,
    env,
    shell: "/bin/sh",
    ...(maxOutputChars === undefined ? {} : { maxOutputChars }),
  });
}

/** Live (non-zombie) processes whose environment carries `TEST_TOKEN=<token>`. */
function survivors(token: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "Z" || state === "X") continue;
      if (readFileSync(`/proc/${name}/environ`, "latin1").includes(`TEST_TOKEN=${token}\0`))
        found.push(Number(name));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

async function waitForOutput(ctx: TestToolContext, text: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (ctx.outputs.some((o) => o.data.includes(text))) return;
    await Bun.sleep(10);
  }
  throw new Error(`no "${text}" in the output`);
}

function treeCommand(token: string): string {
  return [
    `export TEST_TOKEN=${token}`,
    "sleep 300 &",
    "nohup sleep 300 >/dev/null 2>&1 &",
    "setsid sleep 300 &",
    "setsid sh -c 'sleep 300 & sleep 300' &",
    "(setsid sh -c 'sleep 300' &)",
    `env -i TEST_TOKEN=${token} PATH="$PATH" setsid sh -c 'sleep 300' &`,
    "( while :; do ( : ); done ) &",
    "( i=0; while [ $i -lt 40 ]; do sleep 300 & i=$((i+1)); done; wait ) &",
    "sleep 0.3",
    "echo ready",
    "sleep 300",
  ].join("\n");
}

describe.each([
  ["auto-chosen isolation", () => auto],
  ["process-group fallback", () => groupOnly],
])("run_shell kills the whole tree (%s)", (_label, isolation) => {
  it("leaves 0 processes one second after an abort and answers within 2 s", async () => {
    const token = crypto.randomUUID();
    const ctx = createTestToolContext({ cwd });
    const running = shell(isolation()).execute({ command: treeCommand(token) }, ctx);
    await waitForOutput(ctx, "ready");
    expect(survivors(token).length).toBeGreaterThan(45);
    const abortedAt = performance.now();
    ctx.controller.abort();
    const result = await running;
    expect(performance.now() - abortedAt).toBeLessThan(2_000);
    expect(result.isError).toBe(true);
    expect(result.content).toContain("Aborted: the command and every process it started were killed.");
    await Bun.sleep(1_000);
    expect(survivors(token)).toEqual([]);
  });

  it("kills background jobs left behind by a command that exits, without waiting for their pipes", async () => {
    const token = crypto.randomUUID();
    const ctx = createTestToolContext({ cwd });
    const started = performance.now();
    const result = await shell(isolation()).execute(
      { command: `export TEST_TOKEN=${token}; sleep 300 & setsid sleep 300 & sleep 0.2; echo done` },
      ctx,
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result).toEqual({ content: "done\n\nExit code: 0" });
    await Bun.sleep(1_000);
    expect(survivors(token)).toEqual([]);
  });
});

/** A host running only the shell extension, with its log records collected. */
function shellHost(isolation?: "auto" | "pid-namespace") {
  const records: LogRecord[] = [];
  const logger = createLogger({
    sink: { emit: (record) => void records.push(record) },
    now: Date.now,
    newId: () => crypto.randomUUID(),
    extensionId: "test",
  });
  const host = createHost({
    extensions: [createShellExtension(isolation === undefined ? {} : { isolation })],
    logger,
    now: Date.now,
    sleep: (ms) => Bun.sleep(ms),
  });
  const chosen = () => records.filter((r) => r.kind === "log" && r.msg === "shell isolation chosen");
  return { host, chosen };
}

describe("isolation probe", () => {
  it("is not run at activation; the first run_shell calls share one probe, later calls reuse it", async () => {
    const { host, chosen } = shellHost();
    await host.activate();
    expect(host.status()).toMatchObject([{ id: "tool-shell", state: "active" }]);
    expect(chosen()).toEqual([]);
    const tool = host.api.tool("run_shell");
    const results = await Promise.all(
      [1, 2, 3].map((n) => tool?.execute({ command: `echo call-${n}` }, createTestToolContext({ cwd }))),
    );
    expect(results.map((r) => r?.content)).toEqual([1, 2, 3].map((n) => `call-${n}\n\nExit code: 0`));
    expect(chosen()).toHaveLength(1);
    expect(chosen()[0]).toMatchObject({ attributes: { isolation: auto.kind } });
    await tool?.execute({ command: "true" }, createTestToolContext({ cwd }));
    expect(chosen()).toHaveLength(1);
    await host.deactivate();
  });

  it("is not run for a call refused for its arguments", async () => {
    const { host, chosen } = shellHost();
    await host.activate();
    const result = await host.api
      .tool("run_shell")
      ?.execute({ command: " " }, createTestToolContext({ cwd }));
    expect(result?.isError).toBe(true);
    expect(chosen()).toEqual([]);
    await host.deactivate();
  });

  it("runs at activation when a PID namespace is required, and refuses to activate without one", async () => {
    const { host, chosen } = shellHost("pid-namespace");
    await host.activate();
    if (auto.kind === "pid-namespace") {
      expect(host.status()).toMatchObject([{ id: "tool-shell", state: "active" }]);
      expect(chosen()).toHaveLength(1);
    } else {
      expect(host.status()).toMatchObject([{ id: "tool-shell", state: "disabled" }]);
    }
    await host.deactivate();
  });

  it("createIsolationProbe hands every caller the same probe and its answer", async () => {
    const seen: Isolation[] = [];
    const probe = createIsolationProbe("auto", (isolation) => seen.push(isolation));
    const first = probe();
    expect(probe()).toBe(first);
    expect(await first).toEqual(auto);
    expect(await probe()).toEqual(auto);
    expect(seen).toEqual([auto]);
  });
});

describe("run_shell", () => {
  it("streams stdout and stderr live and reports the exit code", async () => {
    const ctx = createTestToolContext({ cwd });
    const result = await shell().execute({ command: "echo out; echo err >&2; pwd; exit 3" }, ctx);
    expect(result.isError).toBe(true);
    expect(result.content).toContain("out\n");
    expect(result.content).toContain("err\n");
    expect(result.content).toContain(cwd);
    expect(result.content.endsWith("\n\nExit code: 3")).toBe(true);
    expect(ctx.outputs).toContainEqual({ data: "err\n", stream: "stderr" });
    expect(
      ctx.outputs
        .filter((o) => o.stream === "stdout")
        .map((o) => o.data)
        .join(""),
    ).toBe(`out\n${cwd}\n`);
  });

  it("times out, kills the command and says so", async () => {
    const token = crypto.randomUUID();
    const started = performance.now();
    const result = await shell().execute(
      { command: `export TEST_TOKEN=${token}; echo before; sleep 30`, timeout: 300 },
      createTestToolContext({ cwd }),
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.isError).toBe(true);
    expect(result.content).toContain("before");
    expect(result.content).toContain("Timed out after 300 ms");
    await Bun.sleep(200);
    expect(survivors(token)).toEqual([]);
  });

  it("states its output cap in the description", () => {
    expect(shell(auto, 1_234_567).description).toContain("keeps at most 1,234,567 characters");
    expect(shell().description).toContain("keeps at most 50,000 characters");
  });

  it("caps the result, keeping head and tail with a note", async () => {
    const result = await shell(auto, 10_000).execute(
      { command: "seq 1 100000" },
      createTestToolContext({ cwd }),
    );
    expect(result.content.length).toBeLessThan(10_200);
    expect(result.content.startsWith("1\n2\n3\n")).toBe(true);
    expect(result.content).toContain("99999\n100000\n\nExit code: 0");
    expect(result.content).toMatch(/\[\.\.\. [\d,]+ characters omitted: output exceeded the cap \.\.\.\]/);
  });

  it("does not pass the daemon's secrets to the child", async () => {
    const daemonEnv = {
      PATH: process.env.PATH,
      HOME: "/home/agent",
      OPENAI_API_KEY: "sk-live-123",
      DISPATCH_TOKEN: "dispatch-bearer",
      DISPATCH_DATA_DIR: "/var/lib/dispatch",
      GITHUB_TOKEN: "ghp_abc",
      DB_PASSWORD: "hunter2",
      AWS_SECRET_ACCESS_KEY: "aws",
      ODDLY_NAMED: "custom-secret",
      NPM_CONFIG__AUTH: "npm-basic-auth",
      PROXY_AUTH: "proxy-user:proxy-pass",
      SESSION_COOKIE: "session-cookie-value",
      GIT_AUTHOR_NAME: "Agent",
    };
    const host = createHost({
      extensions: [createShellExtension({ env: daemonEnv, secretEnvNames: ["ODDLY_NAMED"] })],
      logger: nullLogger,
      now: Date.now,
      sleep: (ms) => Bun.sleep(ms),
    });
    await host.activate();
    const tool = host.api.tool("run_shell");
    const result = await tool?.execute({ command: "env" }, createTestToolContext({ cwd }));
    const content = result?.content ?? "";
    for (const secret of [
      "sk-live-123",
      "dispatch-bearer",
      "/var/lib/dispatch",
      "ghp_abc",
      "hunter2",
      "aws=",
      "custom-secret",
      "npm-basic-auth",
      "proxy-pass",
      "session-cookie-value",
    ]) {
      expect(content).not.toContain(secret);
    }
    expect(content).toContain("GIT_AUTHOR_NAME=Agent");
    expect(content).toContain("HOME=/home/agent");
    await host.deactivate();
  });

  it("refuses without a cwd and explains bad arguments", async () => {
    const noCwd = await shell().execute({ command: "true" }, createTestToolContext());
    expect(noCwd.content).toContain("No working directory");
    const bad = await shell().execute({ command: "  ", timeout: 10 ** 9 }, createTestToolContext({ cwd }));
    expect(bad.content).toContain("`command`: must not be empty");
    expect(bad.content).toContain("`timeout`: Too big: expected number to be <=600000");
  });

  it("reports a missing working directory", async () => {
    const result = await shell().execute(
      { command: "true" },
      createTestToolContext({ cwd: join(cwd, "gone") }),
    );
    expect(result).toMatchObject({ isError: true });
    expect(result.content).toContain("does not exist");
  });
});
