/**
 * The logger's records: shapes per kind, context merging in children, span open/close with
 * durations from the injected clock, error expansion, and that nothing ever throws (a throwing sink
 * or logger is swallowed). Also the null logger and the guard.
 */
import { describe, expect, it } from "vitest";
import type { Logger, LogRecord } from "../contracts/logging.ts";
import { guardLogger } from "./guard.ts";
import { createLogger, nullLogger } from "./logger.ts";

function collecting() {
  const records: LogRecord[] = [];
  let time = 100;
  let id = 0;
  const logger = createLogger({
    sink: { emit: (record) => records.push(record) },
    now: () => time,
    newId: () => `id-${++id}`,
    extensionId: "ext-a",
  });
  return { records, logger, advance: (ms: number) => (time += ms) };
}

describe("createLogger", () => {
  it("writes flat log records stamped with the extension id and merged child context", () => {
    const { records, logger } = collecting();
    logger.info("hello", { n: 1 });
    const child = logger
      .child({ conversationId: "c1", attributes: { a: "x" } })
      .child({ turnId: "t1", attributes: { b: 2 } });
    child.warn("careful", { b: 3 });
    expect(records).toEqual([
      {
        kind: "log",
        level: "info",
        msg: "hello",
        timestamp: 100,
        extensionId: "ext-a",
        attributes: { n: 1 },
      },
      {
        kind: "log",
        level: "warn",
        msg: "careful",
        timestamp: 100,
        extensionId: "ext-a",
        conversationId: "c1",
        turnId: "t1",
        attributes: { a: "x", b: 3 },
      },
    ]);
  });

  it("lets a child override the extension id", () => {
    const { records, logger } = collecting();
    logger.child({ extensionId: "tool-shell" }).debug("x");
    expect(records[0]).toMatchObject({ extensionId: "tool-shell", level: "debug" });
  });

  it("writes span-open at once and span-close at end with the injected duration", () => {
    const { records, logger, advance } = collecting();
    const span = logger.child({ turnId: "t1" }).span("turn", { model: "m" }, "big body");
    expect(records).toEqual([
      {
        kind: "span-open",
        spanId: "id-1",
        name: "turn",
        timestamp: 100,
        extensionId: "ext-a",
        turnId: "t1",
        attributes: { model: "m" },
        body: "big body",
      },
    ]);
    span.setAttributes({ steps: 2 });
    span.addLink({ spanId: "other", reason: "replay" });
    advance(250);
    span.end({ attributes: { finishReason: "stop" } });
    span.end({ attributes: { late: true } });
    expect(records).toHaveLength(2);
    expect(records[1]).toEqual({
      kind: "span-close",
      spanId: "id-1",
      name: "turn",
      timestamp: 350,
      extensionId: "ext-a",
      turnId: "t1",
      durationMs: 250,
      status: "ok",
      attributes: { model: "m", steps: 2, finishReason: "stop" },
      links: [{ spanId: "other", reason: "replay" }],
    });
  });

  it("nests spans and tags logs inside a span with its id", () => {
    const { records, logger } = collecting();
    const outer = logger.span("step");
    const inner = outer.child("tool-call", { toolName: "echo" });
    inner.logger.info("inside");
    inner.logger.span("deeper").end();
    expect(records[1]).toMatchObject({
      kind: "span-open",
      name: "tool-call",
      spanId: "id-2",
      parentSpanId: "id-1",
    });
    expect(records[2]).toMatchObject({ kind: "log", msg: "inside", spanId: "id-2" });
    expect(records[3]).toMatchObject({ kind: "span-open", name: "deeper", parentSpanId: "id-2" });
  });

  it("expands err into error.name, error.message, error.code and a stack body", () => {
    const { records, logger } = collecting();
    const err = Object.assign(new TypeError("bad input"), { code: "E_BAD" });
    logger.error("failed", { err, toolName: "x", detail: { nested: true } });
    expect(records[0]).toMatchObject({
      level: "error",
      attributes: {
        toolName: "x",
        detail: '{"nested":true}',
        "error.name": "TypeError",
        "error.message": "bad input",
        "error.code": "E_BAD",
      },
    });
    expect(records[0]?.body).toContain("bad input");
    expect(records[0]?.attributes).not.toHaveProperty("err");
  });

  it("closes a span with status error when ended with an error", () => {
    const { records, logger } = collecting();
    logger.span("tool-call").end({ error: new Error("boom") });
    expect(records[1]).toMatchObject({
      kind: "span-close",
      status: "error",
      attributes: { "error.name": "Error", "error.message": "boom" },
    });
  });

  it("never throws when the sink, the clock or the id source throws", () => {
    const explode = () => {
      throw new Error("sink down");
    };
    const logger = createLogger({
      sink: { emit: explode },
      now: () => 1,
      newId: () => "x",
      extensionId: "e",
    });
    expect(() => {
      logger.error("x", { err: new Error("y") });
      const span = logger.span("s");
      span.logger.info("inside");
      span.child("c").end();
      span.end();
    }).not.toThrow();
    const noClock = createLogger({
      sink: { emit: () => undefined },
      now: explode,
      newId: explode,
      extensionId: "e",
    });
    expect(() => {
      noClock.info("x");
      noClock.span("s").end({ error: "e" });
    }).not.toThrow();
  });
});

describe("nullLogger and guardLogger", () => {
  it("nullLogger discards records but its spans still work", () => {
    const span = nullLogger.child({ turnId: "t" }).span("x");
    expect(() => {
      span.child("y").logger.info("z");
      span.end();
      span.end();
    }).not.toThrow();
  });

  it("guardLogger swallows a throwing logger and passes a working one through", () => {
    const explode = () => {
      throw new Error("no");
    };
    const broken = {
      debug: explode,
      info: explode,
      warn: explode,
      error: explode,
      child: explode,
      span: explode,
    };
    const guarded = guardLogger(broken as unknown as Logger);
    expect(() => guarded.child({ turnId: "t" }).span("s").child("c").end()).not.toThrow();

    const { records, logger } = collecting();
    guardLogger(logger).span("s").end();
    expect(records.map((r) => r.kind)).toEqual(["span-open", "span-close"]);
  });
});
