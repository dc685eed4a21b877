/**
 * The `trace` CLI against a real store filled with the records a two-step turn produces (turn, step,
 * prompt, provider.request with its verbatim request body and usage, ttft, decode, tool-call, a log):
 * `turns`, `show` (timeline), `body` and `diff` (records and steps), plus error exits.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Attributes, LogRecord } from "@dispatch/kernel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTraceCli } from "./cli.ts";
import { createTraceStore } from "./store.ts";

const T0 = Date.parse("2026-11-22T10:00:00.000Z");
const TURN = "0b7e4c1a-turn-7f3a";
const CONVERSATION = "conv-a";
const TOOLS = [{ type: "function", function: { name: "read_file", parameters: { type: "object" } } }];
const USER = { role: "user", content: "What is in notes.txt?" };
const CALL = {
  role: "assistant",
  content: null,
  tool_calls: [
    { id: "call_1", type: "function", function: { name: "read_file", arguments: '{"path":"notes.txt"}' } },
  ],
};
const RESULT = { role: "tool", tool_call_id: "call_1", content: "buy milk" };

function system(time: string) {
  return { role: "system", content: `You are a coding agent. Current time: ${time}` };
}

function request(messages: object[]) {
  return JSON.stringify({
    model: "deepseek-v4-flash",
    messages,
    tools: TOOLS,
    stream: true,
    stream_options: { include_usage: true },
  });
}

function open(
  spanId: string,
  name: string,
  at: number,
  parent?: string,
  attributes?: Attributes,
  body?: string,
) {
  const record: LogRecord = { kind: "span-open", spanId, name, timestamp: T0 + at, extensionId: "kernel" };
  return Object.assign(
    record,
    { turnId: TURN, conversationId: CONVERSATION },
    parent ? { parentSpanId: parent } : {},
    attributes ? { attributes } : {},
    body ? { body } : {},
  );
}

function close(
  spanId: string,
  name: string,
  at: number,
  durationMs: number,
  parent?: string,
  attributes?: Attributes,
  status: "ok" | "error" = "ok",
) {
  const record: LogRecord = {
    kind: "span-close",
    spanId,
    name,
    timestamp: T0 + at,
    extensionId: "kernel",
    durationMs,
    status,
  };
  return Object.assign(
    record,
    { turnId: TURN, conversationId: CONVERSATION },
    parent ? { parentSpanId: parent } : {},
    attributes ? { attributes } : {},
  );
}

function step(
  index: number,
  at: number,
  messages: object[],
  usage: Attributes,
  finishReason: string,
): LogRecord[] {
  const s = `S${index}`;
  const body = request(messages);
  const prompt = JSON.stringify({
    systemPrompt: (messages[0] as { content: string }).content,
    messages: messages.slice(1),
    tools: TOOLS,
  });
  const records = [
    open(s, "step", at, "T", { stepIndex: index }),
    open(`P${index}`, "prompt", at + 1, s, {}, prompt),
    close(`P${index}`, "prompt", at + 1, 0, s),
    open(
      `R${index}`,
      "provider.request",
      at + 2,
      s,
      { model: "deepseek-v4-flash", url: "https://api.test/v1/chat/completions" },
      body,
    ),
    open(`F${index}`, "ttft", at + 2, s),
    close(`F${index}`, "ttft", at + 419, 417, s),
    open(`D${index}`, "decode", at + 419, s),
    close(`D${index}`, "decode", at + 899, 480, s),
    close(`R${index}`, "provider.request", at + 899, 897, s, { status: 200, finishReason, ...usage }),
  ];
  if (index === 0) {
    records.push(
      open("C1", "tool-call", at + 900, s, { toolName: "read_file", toolCallId: "call_1" }),
      close("C1", "tool-call", at + 912, 12, s),
      open("C2", "tool-call", at + 913, s, { toolName: "read_file", toolCallId: "call_2" }),
      {
        kind: "log",
        level: "warn",
        msg: "tool failed",
        timestamp: T0 + at + 914,
        extensionId: "tool-read-file",
        turnId: TURN,
        conversationId: CONVERSATION,
        spanId: "C2",
      },
      close("C2", "tool-call", at + 915, 2, s, { "error.message": "ENOENT: no such file" }, "error"),
      open("C3", "tool-call", at + 916, s, { toolName: "run_shell", toolCallId: "call_3" }),
      close("C3", "tool-call", at + 918, 2, s, { isError: true }),
    );
  }
  records.push(close(s, "step", at + 920, 920, "T"));
  return records;
}

let dir: string;
let dbPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "trace-cli-"));
  dbPath = join(dir, "traces.db");
  const store = createTraceStore({ path: dbPath });
  store.insertRecords([
    open("T", "turn", 0, undefined, { model: "deepseek-v4-flash" }),
    ...step(
      0,
      1,
      [system("10:00:00"), USER],
      { "usage.inputTokens": 1200, "usage.outputTokens": 40 },
      "tool-calls",
    ),
    ...step(
      1,
      1000,
      [system("10:00:01"), USER, CALL, RESULT],
      { "usage.inputTokens": 1290, "usage.outputTokens": 85, "usage.cacheReadTokens": 1152 },
      "stop",
    ),
    close("T", "turn", 3420, 3420),
  ]);
  store.insertRecords([
    {
      kind: "span-open",
      spanId: "X",
      name: "turn",
      timestamp: T0 + 9000,
      extensionId: "kernel",
      turnId: "crashed-turn",
      conversationId: "conv-b",
    },
  ]);
  store.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const code = runTraceCli(argv, {
    stdout: (text) => (out += text),
    stderr: (text) => (err += text),
    dbPath,
  });
  return { code, out, err };
}

function recordIdOf(spanId: string, kind: LogRecord["kind"]): string {
  const store = createTraceStore({ path: dbPath });
  const id = store
    .getTurn(TURN)
    .find((trace) => trace.record.spanId === spanId && trace.record.kind === kind)?.id;
  store.close();
  if (!id) throw new Error(`no record for ${spanId}`);
  return id;
}

describe("trace turns", () => {
  it("lists recent turns with steps, duration, status and tokens", () => {
    const { code, out } = run("turns");
    expect(code).toBe(0);
    const [header, newest, older] = out.trimEnd().split("\n");
    expect(header).toMatch(/^STARTED\s+TURN\s+CONVERSATION\s+STEPS\s+DURATION\s+STATUS\s+TOKENS$/);
    expect(newest).toMatch(/crashed-turn\s+conv-b\s+0\s+-\s+open/);
    expect(older).toMatch(
      new RegExp(`${TURN}\\s+conv-a\\s+2\\s+3\\.42s\\s+ok\\s+in 2490 \\(cached 1152\\) out 125`),
    );
    expect(run("turns", "--conversation", "conv-b").out).not.toContain(TURN);
  });
});

describe("trace show", () => {
  it("prints an indented timeline with offsets, durations, tokens, tool calls and errors", () => {
    const { code, out } = run("show", TURN.slice(0, 8));
    expect(code).toBe(0);
    const lines = out.split("\n");
    expect(lines[0]).toBe(
      `turn ${TURN}  conversation conv-a  started 2026-11-22T10:00:00.000Z  3.42s ok  2 steps  tokens in 2490 (cached 1152) out 125`,
    );
    expect(lines).toContain("     +0ms     3.42s  turn  model=deepseek-v4-flash");
    expect(lines).toContain("     +1ms     920ms    step  0");
    expect(out).toMatch(
      /\+3ms\s+897ms {6}provider\.request {2}model=deepseek-v4-flash {2}http=200 {2}finish=tool-calls {2}in 1200 out 40 {2}body \d+ B #[0-9a-f]{12}/,
    );
    expect(out).toMatch(/\+3ms\s+417ms {6}ttft/);
    expect(out).toMatch(/\+420ms\s+480ms {6}decode/);
    expect(out).toMatch(/\+901ms\s+12ms {6}tool-call {2}read_file\n/);
    expect(out).toMatch(/tool-call {2}read_file {2}ERROR ENOENT: no such file/);
    expect(out).toMatch(/warn {8}tool failed/);
    expect(out).toMatch(/tool-call {2}run_shell {2}ERROR result\n/);
    expect(out).toMatch(/finish=stop {2}in 1290 \(cached 1152\) out 85/);
  });

  it("shows a turn that never closed as open", () => {
    const { out } = run("show", "crashed-turn");
    expect(out).toContain("open  0 steps");
    expect(out).toMatch(/\+0ms\s+open {2}turn/);
  });

  it("fails with exit 1 for an unknown turn and 2 for a bad command", () => {
    expect(run("show", "nope")).toMatchObject({ code: 1, err: "no turn nope\n" });
    expect(run("frobnicate").code).toBe(2);
    expect(
      runTraceCli(["turns"], { stdout: () => {}, stderr: () => {}, dbPath: join(dir, "missing.db") }),
    ).toBe(1);
  });
});

describe("trace body", () => {
  it("prints the verbatim body of a record by short id", () => {
    const id = recordIdOf("R0", "span-open");
    const { code, out } = run("body", id.slice(0, 10));
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      model: "deepseek-v4-flash",
      messages: [system("10:00:00"), USER],
    });
  });
});

describe("trace diff", () => {
  it("diffs the request bodies of two steps and shows where they differ", () => {
    const { code, out } = run("diff", "--turn", TURN, "--steps", "0", "1");
    expect(code).toBe(0);
    const lines = out.split("\n");
    expect(lines[0]).toMatch(/^--- step 0 [0-9a-f]{12}$/);
    expect(lines[1]).toMatch(/^\+\+\+ step 1 [0-9a-f]{12}$/);
    expect(lines).toContain('-      "content": "You are a coding agent. Current time: 10:00:00"');
    expect(lines).toContain('+      "content": "You are a coding agent. Current time: 10:00:01"');
    expect(lines).toContain('+      "role": "tool",');
    expect(lines.filter((line) => line.startsWith("-") && !line.startsWith("---"))).toHaveLength(1);
  });

  it("diffs two records' bodies by id, and the prompt spans on request", () => {
    const a = recordIdOf("R0", "span-open");
    const b = recordIdOf("R1", "span-open");
    const byId = run("diff", a, b);
    expect(byId.code).toBe(0);
    expect(byId.out).toContain('+            "name": "read_file",');
    const prompts = run("diff", "--turn", TURN, "--steps", "0,1", "--span", "prompt");
    expect(prompts.out).toContain('-  "systemPrompt": "You are a coding agent. Current time: 10:00:00",');
    expect(run("diff", a, a).out).toContain("bodies are identical");
  });
});
