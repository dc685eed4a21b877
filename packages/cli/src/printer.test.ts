/**
 * The event printer: the waiting indicator appears only when stderr is a terminal, only while
 * nothing is mid-line, and is erased before output; `send`'s final-reply mode; JSON lines; and
 * the small pure helpers of `attach` and `status`.
 */
import type { AgentEvent } from "@dispatch/transport-contract";
import { describe, expect, it } from "vitest";
import { createDeduper } from "./commands/attach.ts";
import { formatUptime, parseDaemonStatus } from "./daemon-status.ts";
import type { Io } from "./io.ts";
import { createTurnPrinter, type TurnPrinterOptions } from "./printer.ts";

const base = { conversationId: "c1", turnId: "t1" };

function fakeTerminal(tty: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const ticks: (() => void)[] = [];
  const unused = () => {
    throw new Error("not used by the printer");
  };
  const io: Io = {
    argv: [],
    env: {},
    cwd: "/",
    stdout: { write: (t) => out.push(t), isTTY: tty },
    stderr: { write: (t) => err.push(t), isTTY: tty },
    stdinIsTTY: tty,
    readStdin: unused,
    readFile: unused,
    statFile: unused,
    freeBytes: unused,
    fetch: unused as unknown as typeof fetch,
    openSocket: unused,
    now: () => 0,
    onInterrupt: () => () => undefined,
    every(_ms, tick) {
      ticks.push(tick);
      return () => ticks.splice(ticks.indexOf(tick), 1);
    },
  };
  const tick = () => {
    for (const t of [...ticks]) t();
  };
  return { io, out, err, tick, ticking: () => ticks.length > 0 };
}

const options: TurnPrinterOptions = {
  json: false,
  color: false,
  showReasoning: false,
  showUserMessage: false,
  finalOnly: false,
  waitingLabel: "waiting for the model",
};

describe("the turn printer", () => {
  it("shows the waiting indicator on a terminal and erases it before any output", () => {
    const term = fakeTerminal(true);
    const printer = createTurnPrinter(term.io, options);
    term.tick();
    expect(term.err).toEqual(["\r⠋ waiting for the model\x1b[K"]);
    printer.event({ ...base, type: "text-delta", delta: "Hel" });
    expect(term.err.at(-1)).toBe("\r\x1b[K");
    expect(term.out).toEqual(["Hel"]);
    term.tick(); // mid-line: no indicator
    expect(term.err).toHaveLength(2);
    printer.event({
      ...base,
      type: "tool-call",
      stepId: "s",
      toolCallId: "a",
      toolName: "run_shell",
      input: {},
    });
    term.tick();
    expect(term.err.at(-1)).toBe("\r⠙ running run_shell\x1b[K");
    printer.finish();
    expect(term.ticking()).toBe(false);
    expect(term.err.at(-1)).toBe("\r\x1b[K");
  });

  it("never draws the indicator when stderr is not a terminal", () => {
    const term = fakeTerminal(false);
    const printer = createTurnPrinter(term.io, options);
    expect(term.ticking()).toBe(false);
    printer.event({ ...base, type: "text-delta", delta: "x" });
    printer.finish();
    expect(term.err).toEqual([]);
  });

  it("prints only the final reply (after the last tool call) in final-only mode", () => {
    const term = fakeTerminal(false);
    const printer = createTurnPrinter(term.io, { ...options, finalOnly: true });
    const events: AgentEvent[] = [
      { ...base, type: "text-delta", delta: "Looking" },
      { ...base, type: "tool-call", stepId: "s", toolCallId: "a", toolName: "t", input: {} },
      {
        ...base,
        type: "tool-result",
        stepId: "s",
        toolCallId: "a",
        toolName: "t",
        content: "r",
        isError: false,
      },
      { ...base, type: "text-delta", delta: "The " },
      { ...base, type: "text-delta", delta: "answer." },
    ];
    for (const event of events) printer.event(event);
    expect(term.out).toEqual([]);
    printer.finish();
    expect(term.out).toEqual(["The answer.\n"]);
  });

  it("writes raw events as JSON lines", () => {
    const term = fakeTerminal(true);
    const printer = createTurnPrinter(term.io, { ...options, json: true });
    const event: AgentEvent = { ...base, type: "turn-start" };
    printer.event(event);
    printer.finish();
    expect(term.out).toEqual([`${JSON.stringify(event)}\n`]);
    expect(term.err).toEqual([]);
  });
});

describe("attach's de-duplication", () => {
  it("drops an event whose per-turn index was already printed", () => {
    const isNew = createDeduper();
    const event: AgentEvent = { ...base, type: "text-delta", delta: "a" };
    expect([isNew(event, 0), isNew(event, 1), isNew(event, 1), isNew(event, 0), isNew(event, 2)]).toEqual([
      true,
      true,
      false,
      false,
      true,
    ]);
    expect(isNew({ ...event, turnId: "t2" }, 0)).toBe(true);
    expect(isNew(event, undefined)).toBe(true);
  });
});

describe("the daemon status document", () => {
  it("keeps well-typed fields and drops the rest", () => {
    expect(
      parseDaemonStatus({
        version: "0.1.0",
        pid: "12",
        surfaceWsUrl: null,
        credentials: [{ name: "opencode", providerId: "openai-compat", baseURL: "https://x" }, { name: 3 }],
        defaultModel: "opencode/m",
      }),
    ).toEqual({
      version: "0.1.0",
      surfaceWsUrl: null,
      credentials: [{ name: "opencode", providerId: "openai-compat", baseURL: "https://x" }],
      defaultModel: "opencode/m",
    });
    expect(parseDaemonStatus("nope")).toEqual({});
  });

  it("formats an uptime", () => {
    expect([
      formatUptime(40_000),
      formatUptime(192_000),
      formatUptime(7_500_000),
      formatUptime(90_000_000),
    ]).toEqual(["40s", "3m 12s", "2h 5m", "1d 1h"]);
  });
});
