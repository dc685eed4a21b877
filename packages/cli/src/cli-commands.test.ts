/**
 * End-to-end commands: `send` (and `--queue`), `list`, `read`, `stop`, `compact`, `open`,
 * `models`, `status` and `doctor` against a real daemon, and every failure mode with its exit code
 * and a message that says what to do. The CLI finds the token in the data dir by itself.
 */
import { join } from "node:path";
import { textReply, toolCallReply } from "@dispatch/testkit";
import type { ConversationListResponse, QueueResponse } from "@dispatch/transport-contract";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, removeDir, runCli, tempDir } from "./test-daemon.ts";
import { type CliFixture, E2E_TIMEOUT_MS, MODEL, startCliFixture } from "./test-fixture.ts";

let f: CliFixture;
beforeAll(async () => {
  f = await startCliFixture();
}, E2E_TIMEOUT_MS);
afterAll(() => f.close(), E2E_TIMEOUT_MS);
afterEach(() => f.reset());

describe("conversation commands", () => {
  it(
    "send prints only the final reply and the id, resolving a short id",
    async () => {
      f.script(textReply("hello"), toolCallReply("echo", { text: "x" }), textReply("Final answer."));
      await f.cli([MODEL, "--text", "start", "--conversation", "send-target"]);
      const result = await f.cli(["send", "send-tar", "--text", "go on"]);
      expect(result).toEqual({ code: 0, stdout: "Final answer.\n[conversation] send-target\n", stderr: "" });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "send --queue starts a turn on an idle conversation and queues into a running one",
    async () => {
      f.script(textReply("idle start"), textReply("started by the queue"));
      await f.cli([MODEL, "--text", "begin", "--conversation", "queue-idle"]);
      const started = await f.cli(["send", "queue-idle", "--queue", "--text", "next", "--json"]);
      expect(started.code).toBe(0);
      expect((JSON.parse(started.stdout) as QueueResponse).startedTurn).toBe(true);
      expect((await f.cli(["read", "queue-idle"])).stdout).toBe("started by the queue\n");

      const { proc } = await f.startWaitingTurn("queue-busy");
      const queued = await f.cli(["send", "queue-busy", "--queue", "--text", "steer this"]);
      expect(queued).toMatchObject({ code: 0, stdout: "Queued to queue-busy\n" });
      // Stopped before a tool-result boundary, the queued message is carried into a new turn.
      f.script(textReply("carried over"));
      const before = f.model.requests.length;
      expect((await f.cli(["stop", "queue-busy"])).stdout).toBe("Stopped generation for queue-busy\n");
      expect(await proc.exited).toBe(0);
      await f.model.waitForRequests(before + 1);
      expect(JSON.stringify(f.model.requests[before]?.body)).toContain("steer this");
      expect((await f.cli(["read", "queue-busy"])).stdout).toBe("carried over\n");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "send refuses while a turn runs, saying how to steer, watch or stop it",
    async () => {
      const { proc } = await f.startWaitingTurn("busy");
      const result = await f.cli(["send", "busy", "--text", "hello?"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("A turn is already running in busy");
      expect(result.stderr).toContain("dispatch attach busy");
      const stop = await f.cli(["stop", "busy"]);
      expect(stop).toMatchObject({ code: 0, stdout: "Stopped generation for busy\n" });
      expect(await proc.exited).toBe(0);
      expect((await f.cli(["stop", "busy"])).stdout).toBe("No active generation for busy\n");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "list shows short ids, status and titles; --json is one document; prefixes and --all filter",
    async () => {
      f.script(textReply("a"), textReply("b"));
      await f.cli([MODEL, "--text", "Listing alpha", "--conversation", "list-alpha-0001"]);
      await f.cli([MODEL, "--text", "Listing beta", "--conversation", "list-beta-0001"]);
      await f.daemon.fetch("/conversations/list-beta-0001/close", { method: "POST" });

      const human = await f.cli(["list", "list-"]);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^list-alp {2}idle {4}just now {4}Listing alpha\n$/);
      const all = await f.cli(["list", "list-", "--all", "--json"]);
      const body = JSON.parse(all.stdout) as ConversationListResponse;
      expect(body.conversations.map((c) => c.id).sort()).toEqual(["list-alpha-0001", "list-beta-0001"]);
      const closed = await f.cli(["list", "--status", "closed"]);
      expect(closed.stdout).toContain("Listing beta");
      expect(closed.stdout).not.toContain("Listing alpha");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "read prints the last assistant message; models lists the catalog",
    async () => {
      f.script(textReply("Remember this."));
      await f.cli([MODEL, "--text", "say it", "--conversation", "read-me"]);
      expect(await f.cli(["read", "read-me"])).toEqual({ code: 0, stdout: "Remember this.\n", stderr: "" });
      expect(await f.cli(["models"])).toEqual({ code: 0, stdout: `${MODEL}\n`, stderr: "" });
      expect(JSON.parse((await f.cli(["models", "--json"])).stdout).models).toEqual([MODEL]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "open signals frontends",
    async () => {
      f.script(textReply("opened"));
      await f.cli([MODEL, "--text", "x", "--conversation", "open-me"]);
      expect(await f.cli(["open", "open-me"])).toEqual({
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
        f.script(toolCallReply("echo", { text: `round ${i}` }), textReply(`done ${i}`));
        const res = await f.daemon.fetch("/chat", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ conversationId: "compact-me", message: `round ${i}`, model: MODEL }),
        });
        await res.text();
      }
      f.script(textReply("A short summary."));
      const result = await f.cli(["compact", "compact-me"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /^Compacted compact-me: summarized \d+ messages, kept \d+\. The full history is archived as \S+\.\n$/,
      );

      f.script(textReply("tiny"));
      await f.cli([MODEL, "--text", "tiny", "--conversation", "compact-short"]);
      const short = await f.cli(["compact", "compact-short"]);
      expect(short.code).toBe(1);
      expect(short.stderr).toContain("too short to compact");
    },
    E2E_TIMEOUT_MS,
  );
});

describe("status and doctor", () => {
  it(
    "status says the daemon is up, where, and with which token",
    async () => {
      const result = await f.cli(["status"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`${f.daemon.url} up`);
      expect(result.stdout).toContain(`Surface WS       ws://127.0.0.1:${f.env.SURFACE_WS_PORT} up`);
      expect(result.stdout).toContain(join(f.dataDir, "token"));
      const json = JSON.parse((await f.cli(["status", "--json"])).stdout);
      expect(json).toMatchObject({ server: f.daemon.url, up: true, tokenSource: join(f.dataDir, "token") });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "doctor passes every check against a healthy daemon",
    async () => {
      const result = await f.cli(["doctor", "--json"]);
      const report = JSON.parse(result.stdout) as { ok: boolean; checks: { name: string; status: string }[] };
      expect(result.code).toBe(0);
      expect(report.ok).toBe(true);
      const statuses = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
      expect(statuses).toMatchObject({
        server: "ok",
        daemon: "ok",
        token: "ok",
        provider: "ok",
        websocket: "ok",
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
      expect((await runCli([MODEL], { env: f.env })).code).toBe(2);
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
      const wrong = await runCli(["list"], {
        env: { DISPATCH_SERVER: f.daemon.url, DISPATCH_TOKEN: "nope" },
      });
      expect(wrong.code).toBe(4);
      expect(wrong.stderr).toContain("refused the token (401)");
      expect(wrong.stderr).toContain("Set DISPATCH_TOKEN");
      const empty = tempDir();
      try {
        const missing = await runCli(["list"], {
          env: { DISPATCH_SERVER: f.daemon.url, DISPATCH_DATA_DIR: empty },
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
      const unknown = await f.cli(["read", "no-such-conversation"]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain(`no conversation matches "no-such-conversation"`);
      f.script(textReply("1"), textReply("2"));
      await f.cli([MODEL, "--text", "x", "--conversation", "twin-1"]);
      await f.cli([MODEL, "--text", "y", "--conversation", "twin-2"]);
      const ambiguous = await f.cli(["stop", "twin"]);
      expect(ambiguous.code).toBe(1);
      expect(ambiguous.stderr).toContain('"twin" is ambiguous: it matches');
    },
    E2E_TIMEOUT_MS,
  );
});
