/**
 * End-to-end turns: the real `dispatch` CLI (a child process) against a real daemon (a child
 * process) whose model is the scripted OpenAI-compatible server: a streamed one-shot turn, files
 * and stdin, `--json` line by line, errors, Ctrl-C, and `attach` joining mid-turn.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { errorReply, textReply, toolCallReply } from "@dispatch/testkit";
import type {
  AgentEvent,
  ConversationHistoryResponse,
  ConversationStatusResponse,
} from "@dispatch/transport-contract";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLI_MAIN, lineReader, removeDir, runCli, spawnCli, tempDir } from "./test-daemon.ts";
import { type CliFixture, E2E_TIMEOUT_MS, MODEL, rest, startCliFixture, untilLine } from "./test-fixture.ts";

let f: CliFixture;
beforeAll(async () => {
  f = await startCliFixture();
}, E2E_TIMEOUT_MS);
afterAll(() => f.close(), E2E_TIMEOUT_MS);
afterEach(() => f.reset());

describe("a one-shot turn", () => {
  it(
    "streams the reply, tools and usage, then prints the conversation id",
    async () => {
      f.script(
        toolCallReply("echo", { text: "hi" }),
        textReply("The echo said hi.", { reasoning: "Let me think." }),
      );
      const result = await f.cli([MODEL, "--text", "Use the echo tool"]);
      expect(result.code).toBe(0);
      const lines = result.stdout.trimEnd().split("\n");
      expect(lines).toContain('[tool] echo {"text":"hi"}');
      expect(lines).toContain("[tool:echo] echo: hi");
      expect(lines).toContain("The echo said hi.");
      expect(lines.some((l) => /^\[usage\] in=\d+ out=\d+$/.test(l))).toBe(true);
      expect(result.stdout).not.toContain("Let me think.");
      const id = /^\[conversation\] (\S+)$/.exec(lines.at(-1) ?? "")?.[1] ?? "";
      const history = (await (
        await f.daemon.fetch(`/conversations/${id}`)
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
        f.script(textReply("Plum.", { reasoning: "Reading the file." }));
        const result = await f.cli([MODEL, "--file", "notes.txt", "--show-reasoning"], {
          stdin: "What is the word?",
          cwd: dir,
        });
        expect(result.code).toBe(0);
        expect(result.stdout).toContain("Reading the file.\n\nPlum.");
        const sent = JSON.stringify(f.model.requests.at(-1)?.body);
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
      f.script(textReply("json please"));
      const result = await f.cli([MODEL, "--text", "hi", "--json", "--conversation", "json-1"]);
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
      f.script(textReply("first"), textReply("second"));
      await f.cli([MODEL, "--text", "one", "--conversation", "prefix-conversation-1"]);
      const result = await f.cli([MODEL, "--text", "two", "--conversation", "prefix-conv"]);
      expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("[conversation] prefix-conversation-1");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "exits 1 with the error on stderr when the turn fails",
    async () => {
      f.script(errorReply(400, "scripted refusal"));
      const result = await f.cli([MODEL, "--text", "fail please"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("[error]");
      expect(result.stderr).toContain("scripted refusal");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "stops the turn on Ctrl-C and exits 130",
    async () => {
      const { proc, lines } = await f.startWaitingTurn("interrupt-me");
      proc.kill("SIGINT");
      expect(await proc.exited).toBe(130);
      const stderr = await new Response(proc.stderr).text();
      expect(stderr).toContain("Stopping the turn");
      expect(stderr).toContain("[done] aborted");
      expect((await rest(lines)).at(-1)).toBe("[conversation] interrupt-me");
      const status = (await (
        await f.daemon.fetch("/conversations/interrupt-me/status")
      ).json()) as ConversationStatusResponse;
      expect(status.isActive).toBe(false);
    },
    E2E_TIMEOUT_MS,
  );
});

describe("on a terminal", () => {
  it(
    "colors the output and shows a waiting indicator until the first token, only on a TTY",
    async () => {
      f.script(textReply("Slow but sure.", { firstTokenDelayMs: 400 }));
      const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
      const command = [process.execPath, CLI_MAIN, MODEL, "--text", "take your time"].map(quote).join(" ");
      // `script` runs the CLI on a pseudo-terminal and copies what it shows.
      const tty = await runCli([], {
        command: ["script", "-qefc", command, "/dev/null"],
        env: { ...f.env, NO_COLOR: "" },
      });
      expect(tty.code).toBe(0);
      expect(tty.stdout).toContain("waiting for the model");
      expect(tty.stdout).toContain("\r\x1b[K");
      expect(tty.stdout).toContain("\x1b[2m[conversation] ");

      f.script(textReply("Slow but sure.", { firstTokenDelayMs: 400 }));
      const piped = await runCli([MODEL, "--text", "take your time"], { env: { ...f.env, NO_COLOR: "" } });
      expect(piped.stdout + piped.stderr).not.toContain("\x1b[");
      expect(piped.stderr).toBe("");
    },
    E2E_TIMEOUT_MS,
  );
});

describe("attach", () => {
  it(
    "joins mid-turn, prints the whole turn once, then follows the next turn until Ctrl-C",
    async () => {
      f.script(toolCallReply("wait", {}));
      const chat = await f.daemon.fetch("/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ conversationId: "attach-me", message: "watch me", model: MODEL }),
      });
      const reference = lineReader(chat.body as ReadableStream<Uint8Array>);
      await untilLine(reference, (line) => line.includes('"tool-call"'));
      const proc = spawnCli(["attach", "attach", "--json"], { env: f.env });
      try {
        const attached = lineReader(proc.stdout);
        await untilLine(attached, (line) => line.includes('"tool-call"'), proc.stderr);
        await f.daemon.fetch("/conversations/attach-me/stop", { method: "POST" });
        const firstTurn = (await rest(reference)).map((line) => JSON.parse(line) as AgentEvent);
        await untilLine(attached, (line) => line.includes('"turn-sealed"'));
        expect(attached.seen.map((line) => JSON.parse(line))).toEqual(firstTurn);

        f.script(textReply("second reply"));
        const second = await f.daemon.fetch("/chat", {
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
        await f.daemon.fetch("/conversations/attach-me/stop", { method: "POST" });
      }
    },
    E2E_TIMEOUT_MS,
  );
});
