/**
 * Test support (not part of the package build): one scripted model and one real daemon per test
 * file, with the CLI environment a user would have (server URL and data dir; the token is found by
 * the CLI itself), plus helpers to read a child's output line by line.
 */
import { type Reply, type ScriptedModel, startScriptedModel, toolCallReply } from "@dispatch/testkit";
import {
  type CliResult,
  type DaemonProcess,
  freePort,
  lineReader,
  removeDir,
  runCli,
  spawnCli,
  spawnDaemon,
  TEST_TOOLS_EXTENSION,
  tempDir,
} from "./test-daemon.ts";

/** The model name the scripted model is served under. */
export const MODEL = "opencode/scripted-model";
/** Each test spawns a few processes; the runner's default 5 s is tight on a loaded 2-core machine. */
export const E2E_TIMEOUT_MS = 30_000;

/** A line reader over a child's stdout. */
export type Lines = ReturnType<typeof lineReader>;

/** A daemon with a scripted model, and the CLI pointed at it. */
export interface CliFixture {
  model: ScriptedModel;
  daemon: DaemonProcess;
  dataDir: string;
  /** The CLI's environment: DISPATCH_SERVER, DISPATCH_DATA_DIR, SURFACE_WS_PORT. */
  env: Record<string, string>;
  /** Scripts the model's next replies; `reset` forgets what is left. */
  script(...replies: Reply[]): void;
  reset(): void;
  cli(args: string[], extra?: { stdin?: string; cwd?: string }): Promise<CliResult>;
  /** POSTs to the daemon with a JSON body. */
  post(path: string, body?: unknown): Promise<Response>;
  /** Starts a one-shot turn whose `wait` tool runs until stopped; resolves once it runs. */
  startWaitingTurn(conversationId: string): Promise<{ proc: ReturnType<typeof spawnCli>; lines: Lines }>;
  close(): Promise<void>;
}

/** Starts the model and the daemon. */
export async function startCliFixture(): Promise<CliFixture> {
  const wsPort = String(freePort());
  const model = await startScriptedModel();
  const dataDir = tempDir();
  const daemon = await spawnDaemon({
    dataDir,
    env: {
      DISPATCH_BASE_URL: model.baseURL,
      DISPATCH_MODEL: "scripted-model",
      DISPATCH_EXTERNAL_EXTENSIONS: TEST_TOOLS_EXTENSION,
      DISPATCH_SHUTDOWN_GRACE_MS: "1000",
      SURFACE_WS_PORT: wsPort,
    },
  });
  const env = { DISPATCH_SERVER: daemon.url, DISPATCH_DATA_DIR: dataDir, SURFACE_WS_PORT: wsPort };
  const fixture: CliFixture = {
    model,
    daemon,
    dataDir,
    env,
    script: (...replies) => model.respondWith(() => replies.shift()),
    reset: () => model.respondWith(() => undefined),
    cli: (args, extra = {}) => runCli(args, { env, ...extra }),
    post: (path, body) =>
      daemon.fetch(path, {
        method: "POST",
        ...(body === undefined
          ? {}
          : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      }),
    async startWaitingTurn(conversationId) {
      fixture.script(toolCallReply("wait", {}));
      const proc = spawnCli([MODEL, "--conversation", conversationId, "--text", "wait for me"], { env });
      const lines = lineReader(proc.stdout);
      await untilLine(lines, (line) => line.startsWith("[tool] wait"), proc.stderr);
      return { proc, lines };
    },
    async close() {
      await daemon.stop();
      await model.close();
      removeDir(dataDir);
    },
  };
  return fixture;
}

/** Reads lines until one matches; throws (with the child's stderr, if given) when the stream ends first. */
export async function untilLine(
  lines: Lines,
  match: (line: string) => boolean,
  stderr?: ReadableStream<Uint8Array>,
): Promise<void> {
  for (let line = await lines.next(); line !== undefined; line = await lines.next()) {
    if (match(line)) return;
  }
  const errors = stderr ? `\nstderr:\n${await new Response(stderr).text()}` : "";
  throw new Error(`the stream ended without the expected line; it had:\n${lines.seen.join("\n")}${errors}`);
}

/** Reads to the end; returns every line seen. */
export async function rest(lines: Lines): Promise<string[]> {
  while ((await lines.next()) !== undefined) {}
  return lines.seen;
}
