/**
 * End-to-end: the real `dispatch` CLI (a child process) against a real daemon (a child process)
 * whose model is the scripted OpenAI-compatible server. The token is found in the data dir, as a
 * user's would be. Covers every command, `--json`, Ctrl-C, and each failure mode's exit code.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  errorReply,
  type Reply,
  type ScriptedModel,
  startScriptedModel,
  textReply,
  toolCallReply,
} from "@dispatch/testkit";
import type {
  AgentEvent,
  ConversationHistoryResponse,
  ConversationListResponse,
  ConversationStatusResponse,
  QueueResponse,
} from "@dispatch/transport-contract";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  lineReader,
  removeDir,
  runCli,
  spawnCli,
  startTestDaemon,
  TEST_TOOLS_EXTENSION,
  type TestDaemon,
  tempDir,
} from "./test-daemon.ts";

const MODEL = "opencode/scripted-model";
/** Each test spawns a few processes; the default 5 s is tight on a loaded 2-core machine. */
const E2E_TIMEOUT_MS = 30_000;

let model: ScriptedModel;
let dataDir: string;
let daemon: TestDaemon;
let env: Record<string, string>;

/** Scripts the model's next replies for this test only (`afterEach` forgets what is left). */
function script(...replies: Reply[]): void {
  model.respondWith(() => replies.shift());
}

beforeAll(async () => {
  const wsPort = String(freePort());
  model = await startScriptedModel();
  dataDir = tempDir();
  daemon = await startTestDaemon({
    dataDir,
    env: {
      DISPATCH_BASE_URL: model.baseURL,
      DISPATCH_MODEL: "scripted-model",
      DISPATCH_EXTERNAL_EXTENSIONS: TEST_TOOLS_EXTENSION,
      DISPATCH_SHUTDOWN_GRACE_MS: "1000",
      SURFACE_WS_PORT: wsPort,
    },
  });
  // No DISPATCH_TOKEN: the CLI must find the token in the data dir by itself.
  env = { DISPATCH_SERVER: daemon.url, DISPATCH_DATA_DIR: dataDir, SURFACE_WS_PORT: wsPort };
}, 30_000);

afterAll(async () => {
  await daemon.stop();
  await model.close();
  removeDir(dataDir);
}, E2E_TIMEOUT_MS);

afterEach(() => model.respondWith(() => undefined));

const cli = (args: string[], extra: { stdin?: string; cwd?: string } = {}) => runCli(args, { env, ...extra });

/** Starts a one-shot turn whose tool runs until stopped; resolves once the tool is running. */
async function startWaitingTurn(conversationId: string) {
  script(toolCallReply("wait", {}));
  const proc = spawnCli([MODEL, "--conversation", conversationId, "--text", "wait for me"], { env });
  const lines = lineReader(proc.stdout);
  await untilLine(lines, (line) => line.startsWith("[tool] wait"));
  return { proc, lines };
}

/** Reads lines until one matches; throws if the stream ends first. */
async function untilLine(
  lines: { next(): Promise<string | undefined>; seen: string[] },
  match: (line: string) => boolean,
  stderr?: ReadableStream<Uint8Array>,
) {
  for (let line = await lines.next(); line !== undefined; line = await lines.next()) {
    if (match(line)) return;
  }
  const errors = stderr ? `\nstderr:\n${await new Response(stderr).text()}` : "";
  throw new Error(`the stream ended without the expected line; it had:\n${lines.seen.join("\n")}${errors}`);
}

async function rest(lines: { next(): Promise<string | undefined>; seen: string[] }): Promise<string[]> {
  while ((await lines.next()) !== undefined) {}
  return lines.seen;
}

describe("a one-shot turn", () => {
  it(
    "streams the reply, tools and usage, then prints the conversation id",
    async () => {
      script(
        toolCallReply("echo", { text: "hi" }),
        textReply("The echo said hi.", { reasoning: "Let me think." }),
      );
      const result = await cli([MODEL, "--text", "Use the echo tool"]);
      expect(result.code).toBe(0);
      const lines = result.stdout.trimEnd().split("\n");
      expect(lines).toContain('[tool] echo {"text":"hi"}');
      expect(lines).toContain("[tool:echo] echo: hi");
      expect(lines).toContain("The echo said hi.");
      expect(lines.some((l) => /^\[usage\] in=\d+ out=\d+$/.test(l))).toBe(true);
      expect(result.stdout).not.toContain("Let me think.");
      const id = /^\[conversation\] (\S+)$/.exec(lines.at(-1) ?? "")?.[1] ?? "";
      const history = (await (
        await daemon.fetch(`/conversations/${id}`)
      ).json()) as ConversationHistoryResponse;
      expect(history.chunks.at(-1)).toMatchObject({
        role: "assistant",
        chunk: { type: "text", text: "The echo said hi." },
      });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "shows reasoning with --show-reasoning and sends files, stdin and the cwd",
    async () => {
      const dir = tempDir();
      try {
        writeFileSync(join(dir, "notes.txt"), "the secret word is plum\n");
        script(textReply("Plum.", { reasoning: "Reading the file." }));
        const result = await cli([MODEL, "--file", "notes.txt", "--show-reasoning"], {
          stdin: "What is the word?",
          cwd: dir,
        });
        expect(result.code).toBe(0);
        expect(result.stdout).toContain("Reading the file.\n\nPlum.");
        const sent = JSON.stringify(model.requests.at(-1)?.body);
        expect(sent).toContain("What is the word?");
        expect(sent).toContain("the secret word is plum");
      } finally {
        removeDir(dir);
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "prints one parsable AgentEvent per line with --json, from user-message to turn-sealed",
    async () => {
      script(textReply("json please"));
      const result = await cli([MODEL, "--text", "hi", "--json", "--conversation", "json-1"]);
      expect(result.code).toBe(0);
      const events = result.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as AgentEvent);
      expect(events[0]).toMatchObject({ type: "user-message", text: "hi", conversationId: "json-1" });
      expect(events.at(-1)?.type).toBe("turn-sealed");
      expect(events.every((e) => e.conversationId === "json-1")).toBe(true);
      const text = events.flatMap((e) => (e.type === "text-delta" ? [e.delta] : [])).join("");
      expect(text).toBe("json please");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "continues a conversation given by a unique prefix of its id",
    async () => {
      script(textReply("first"), textReply("second"));
      await cli([MODEL, "--text", "one", "--conversation", "prefix-conversation-1"]);
      const result = await cli([MODEL, "--text", "two", "--conversation", "prefix-conv"]);
      expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("[conversation] prefix-conversation-1");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "exits 1 with the error on stderr when the turn fails",
    async () => {
      script(errorReply(400, "scripted refusal"));
      const result = await cli([MODEL, "--text", "fail please"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("[error]");
      expect(result.stderr).toContain("scripted refusal");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "stops the turn on Ctrl-C and exits 130",
    async () => {
      const { proc, lines } = await startWaitingTurn("interrupt-me");
      proc.kill("SIGINT");
      expect(await proc.exited).toBe(130);
      const stderr = await new Response(proc.stderr).text();
      expect(stderr).toContain("Stopping the turn");
      expect(stderr).toContain("[done] aborted");
      expect((await rest(lines)).at(-1)).toBe("[conversation] interrupt-me");
      const status = (await (
        await daemon.fetch("/conversations/interrupt-me/status")
      ).json()) as ConversationStatusResponse;
      expect(status.isActive).toBe(false);
    },
    E2E_TIMEOUT_MS,
  );
});

describe("conversation commands", () => {
  it(
    "send prints only the final reply and the id, resolving a short id",
    async () => {
      script(textReply("hello"), toolCallReply("echo", { text: "x" }), textReply("Final answer."));
      await cli([MODEL, "--text", "start", "--conversation", "send-target"]);
      const result = await cli(["send", "send-tar", "--text", "go on"]);
      expect(result).toEqual({ code: 0, stdout: "Final answer.\n[conversation] send-target\n", stderr: "" });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "send --queue starts a turn on an idle conversation and queues into a running one",
    async () => {
      script(textReply("idle start"), textReply("started by the queue"));
      await cli([MODEL, "--text", "begin", "--conversation", "queue-idle"]);
      const started = await cli(["send", "queue-idle", "--queue", "--text", "next", "--json"]);
      expect(started.code).toBe(0);
      expect((JSON.parse(started.stdout) as QueueResponse).startedTurn).toBe(true);
      expect((await cli(["read", "queue-idle"])).stdout).toBe("started by the queue\n");

      const { proc } = await startWaitingTurn("queue-busy");
      const queued = await cli(["send", "queue-busy", "--queue", "--text", "steer this"]);
      expect(queued).toMatchObject({ code: 0, stdout: "Queued to queue-busy\n" });
      expect((await cli(["stop", "queue-busy"])).stdout).toBe("Stopped generation for queue-busy\n");
      expect(await proc.exited).toBe(0);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "send refuses while a turn runs, saying how to steer, watch or stop it",
    async () => {
      const { proc } = await startWaitingTurn("busy");
      const result = await cli(["send", "busy", "--text", "hello?"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("A turn is already running in busy");
      expect(result.stderr).toContain("dispatch attach busy");
      const stop = await cli(["stop", "busy"]);
      expect(stop).toMatchObject({ code: 0, stdout: "Stopped generation for busy\n" });
      expect(await proc.exited).toBe(0);
      expect((await cli(["stop", "busy"])).stdout).toBe("No active generation for busy\n");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "list shows short ids, status and titles; --json is one document; prefixes and --all filter",
    async () => {
      script(textReply("a"), textReply("b"));
      await cli([MODEL, "--text", "Listing alpha", "--conversation", "list-alpha-0001"]);
      await cli([MODEL, "--text", "Listing beta", "--conversation", "list-beta-0001"]);
      await daemon.fetch("/conversations/list-beta-0001/close", { method: "POST" });

      const human = await cli(["list", "list-"]);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^list-alp {2}idle {4}just now {4}Listing alpha\n$/);
      const all = await cli(["list", "list-", "--all", "--json"]);
      const body = JSON.parse(all.stdout) as ConversationListResponse;
      expect(body.conversations.map((c) => c.id).sort()).toEqual(["list-alpha-0001", "list-beta-0001"]);
      const closed = await cli(["list", "--status", "closed"]);
      expect(closed.stdout).toContain("Listing beta");
      expect(closed.stdout).not.toContain("Listing alpha");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "read prints the last assistant message; models lists the catalog",
    async () => {
      script(textReply("Remember this."));
      await cli([MODEL, "--text", "say it", "--conversation", "read-me"]);
      expect(await cli(["read", "read-me"])).toEqual({ code: 0, stdout: "Remember this.\n", stderr: "" });
      expect(await cli(["models"])).toEqual({ code: 0, stdout: `${MODEL}\n`, stderr: "" });
      expect(JSON.parse((await cli(["models", "--json"])).stdout).models).toEqual([MODEL]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "open signals frontends",
    async () => {
      script(textReply("opened"));
      await cli([MODEL, "--text", "x", "--conversation", "open-me"]);
      expect(await cli(["open", "open-me"])).toEqual({
        code: 0,
        stdout: "Asked frontends to open open-me\n",
        stderr: "",
      });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "compact summarizes a long conversation and refuses a short one with exit 1",
    async () => {
      for (let i = 0; i < 3; i++) {
        script(toolCallReply("echo", { text: `round ${i}` }), textReply(`done ${i}`));
        const res = await daemon.fetch("/chat", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ conversationId: "compact-me", message: `round ${i}`, model: MODEL }),
        });
        await res.text();
      }
      script(textReply("A short summary."));
      const result = await cli(["compact", "compact-me"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /^Compacted compact-me: summarized \d+ messages, kept \d+\. The full history is archived as \S+\.\n$/,
      );

      script(textReply("tiny"));
      await cli([MODEL, "--text", "tiny", "--conversation", "compact-short"]);
      const short = await cli(["compact", "compact-short"]);
      expect(short.code).toBe(1);
      expect(short.stderr).toContain("too short to compact");
    },
    E2E_TIMEOUT_MS,
  );
});

describe("attach", () => {
  it(
    "joins mid-turn, prints the whole turn once, then follows the next turn until Ctrl-C",
    async () => {
      script(toolCallReply("wait", {}));
      const chat = await daemon.fetch("/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ conversationId: "attach-me", message: "watch me", model: MODEL }),
      });
      const reference = lineReader(chat.body as ReadableStream<Uint8Array>);
      await untilLine(reference, (line) => line.includes('"tool-call"'));
      const proc = spawnCli(["attach", "attach", "--json"], { env });
      try {
        const attached = lineReader(proc.stdout);
        await untilLine(attached, (line) => line.includes('"tool-call"'), proc.stderr);
        await daemon.fetch("/conversations/attach-me/stop", { method: "POST" });
        const firstTurn = (await rest(reference)).map((line) => JSON.parse(line) as AgentEvent);
        await untilLine(attached, (line) => line.includes('"turn-sealed"'));
        expect(attached.seen.map((line) => JSON.parse(line))).toEqual(firstTurn);

        script(textReply("second reply"));
        const second = await daemon.fetch("/chat", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ conversationId: "attach-me", message: "again", model: MODEL }),
        });
        await second.text();
        await untilLine(attached, (line) => line.includes('"turn-sealed"'));
        const secondTurn = attached.seen
          .slice(firstTurn.length)
          .map((line) => JSON.parse(line) as AgentEvent);
        expect(secondTurn[0]).toMatchObject({ type: "user-message", text: "again" });
        const text = secondTurn.flatMap((e) => (e.type === "text-delta" ? [e.delta] : [])).join("");
        expect(text).toBe("second reply");
        proc.kill("SIGINT");
        expect(await proc.exited).toBe(0);
      } finally {
        proc.kill();
        await daemon.fetch("/conversations/attach-me/stop", { method: "POST" });
      }
    },
    E2E_TIMEOUT_MS,
  );
});

describe("status and doctor", () => {
  it(
    "status says the daemon is up, where, and with which token",
    async () => {
      const result = await cli(["status"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`${daemon.url} up`);
      expect(result.stdout).toContain(join(dataDir, "token"));
      const json = JSON.parse((await cli(["status", "--json"])).stdout);
      expect(json).toMatchObject({ server: daemon.url, up: true, tokenSource: join(dataDir, "token") });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "doctor passes every check against a healthy daemon",
    async () => {
      const result = await cli(["doctor", "--json"]);
      const report = JSON.parse(result.stdout) as { ok: boolean; checks: { name: string; status: string }[] };
      expect(result.code).toBe(0);
      expect(report.ok).toBe(true);
      const statuses = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
      expect(statuses).toMatchObject({
        server: "ok",
        daemon: "ok",
        token: "ok",
        provider: "ok",
        "data dir": "ok",
      });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "doctor says what to fix when the daemon is down, and exits 3",
    async () => {
      const result = await runCli(["doctor"], { env: { DISPATCH_SERVER: `http://127.0.0.1:${freePort()}` } });
      expect(result.code).toBe(3);
      expect(result.stdout).toMatch(/^FAIL {2}daemon/m);
      expect(result.stdout).toContain("fix: start it: `npm start`");
    },
    E2E_TIMEOUT_MS,
  );
});

describe("failure modes", () => {
  it(
    "exits 2 on a usage error, with the command's usage line",
    async () => {
      const result = await runCli(["send", "x", "--txt", "hi"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("unknown option --txt for 'dispatch send'. Did you mean --text?");
      expect(result.stderr).toContain("Usage: dispatch send <conversationId>");
      expect((await runCli([MODEL], { env })).code).toBe(2);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "exits 3 when no server answers, saying how to start one",
    async () => {
      const result = await runCli(["list", "--server", `http://127.0.0.1:${freePort()}`]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain("Is the daemon running?");
      expect(result.stderr).toContain("systemctl status dispatch");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "exits 4 when the token is wrong or missing, saying where tokens are looked for",
    async () => {
      const wrong = await runCli(["list"], { env: { DISPATCH_SERVER: daemon.url, DISPATCH_TOKEN: "nope" } });
      expect(wrong.code).toBe(4);
      expect(wrong.stderr).toContain("refused the token (401)");
      expect(wrong.stderr).toContain("Set DISPATCH_TOKEN");
      const empty = tempDir();
      try {
        const missing = await runCli(["list"], {
          env: { DISPATCH_SERVER: daemon.url, DISPATCH_DATA_DIR: empty },
        });
        expect(missing.code).toBe(4);
        expect(missing.stderr).toContain(`No token found; looked in ${join(empty, "token")}`);
      } finally {
        removeDir(empty);
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "exits 1 for an unknown or ambiguous conversation id",
    async () => {
      const unknown = await cli(["read", "no-such-conversation"]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain(`no conversation matches "no-such-conversation"`);
      script(textReply("1"), textReply("2"));
      await cli([MODEL, "--text", "x", "--conversation", "twin-1"]);
      await cli([MODEL, "--text", "y", "--conversation", "twin-2"]);
      const ambiguous = await cli(["stop", "twin"]);
      expect(ambiguous.code).toBe(1);
      expect(ambiguous.stderr).toContain('"twin" is ambiguous: it matches');
    },
    E2E_TIMEOUT_MS,
  );
});
