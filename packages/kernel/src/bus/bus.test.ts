/**
 * The bus rules, one kind at a time: events reach every listener in order with each failure
 * isolated and logged; filters chain by priority then registration, fail open unless asked to fail
 * closed; services have exactly one provider and a missing one is named. Disposal is idempotent.
 */
import { describe, expect, it } from "vitest";
import { defineEvent, defineFilter, defineService } from "../contracts/hooks.ts";
import type { LogRecord } from "../contracts/logging.ts";
import { KernelError } from "../errors.ts";
import { createLogger } from "../logging/logger.ts";
import { createBus, createBusCore, scopeBus } from "./bus.ts";

function setup() {
  const records: LogRecord[] = [];
  const logger = createLogger({
    sink: { emit: (record) => records.push(record) },
    now: () => 0,
    newId: () => "id",
    extensionId: "host",
  });
  return { records, logger, bus: createBus(logger) };
}

/** The KernelError `fn` throws (fails the test when it throws nothing else). */
function thrown(fn: () => unknown): KernelError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KernelError) return err;
    throw err;
  }
  throw new Error("expected a KernelError, but nothing was thrown");
}

const ping = defineEvent<number>("test/ping");
const words = defineFilter<string[]>("test/words");
const clock = defineService<{ now(): number }>("clock-ext/clock");

describe("events", () => {
  it("runs every listener in registration order, isolating sync and async failures", async () => {
    const { logger, records } = setup();
    const core = createBusCore(logger);
    const seen: string[] = [];
    scopeBus(core, "ext-a").on(ping, (n) => {
      seen.push(`a${n}`);
      throw new Error("sync boom");
    });
    scopeBus(core, "ext-b").on(ping, async (n) => {
      seen.push(`b${n}`);
      throw new Error("async boom");
    });
    scopeBus(core, "ext-c").on(ping, (n) => {
      seen.push(`c${n}`);
    });
    expect(() => core.emit(ping, 1)).not.toThrow();
    expect(seen).toEqual(["a1", "b1", "c1"]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const failures = records.filter((r) => r.kind === "log" && r.level === "error");
    expect(failures.map((r) => r.attributes)).toEqual([
      expect.objectContaining({
        hookId: "test/ping",
        handlerExtensionId: "ext-a",
        "error.message": "sync boom",
      }),
      expect.objectContaining({
        hookId: "test/ping",
        handlerExtensionId: "ext-b",
        "error.message": "async boom",
      }),
    ]);
  });

  it("stops calling a disposed listener; disposing twice is harmless", () => {
    const { bus } = setup();
    const seen: number[] = [];
    const dispose = bus.on(ping, (n) => {
      seen.push(n);
    });
    bus.emit(ping, 1);
    dispose();
    dispose();
    bus.emit(ping, 2);
    expect(seen).toEqual([1]);
  });

  it("finishes the current emit with the listeners it started with", () => {
    const { bus } = setup();
    const seen: string[] = [];
    let disposeSecond: () => void = () => undefined;
    bus.on(ping, () => {
      seen.push("first");
      disposeSecond();
      bus.on(ping, () => {
        seen.push("late");
      });
    });
    disposeSecond = bus.on(ping, () => {
      seen.push("second");
    });
    bus.emit(ping, 1);
    expect(seen).toEqual(["first", "second"]);
  });
});

describe("filters", () => {
  it("chains by ascending priority, then registration order, each getting the previous output", async () => {
    const { bus } = setup();
    bus.addFilter(words, (w) => [...w, "default-1"]);
    bus.addFilter(words, (w) => [...w, "late"], { priority: 10 });
    bus.addFilter(words, async (w) => [...w, "early"], { priority: -5 });
    bus.addFilter(words, (w) => [...w, "default-2"]);
    expect(await bus.applyFilters(words, ["start"])).toEqual([
      "start",
      "early",
      "default-1",
      "default-2",
      "late",
    ]);
  });

  it("fails open by default: a throwing filter is logged and its input passes on", async () => {
    const { bus, records } = setup();
    bus.addFilter(words, (w) => [...w, "a"]);
    bus.addFilter(words, () => {
      throw new Error("bad filter");
    });
    bus.addFilter(words, (w) => [...w, "c"]);
    expect(await bus.applyFilters(words, [])).toEqual(["a", "c"]);
    expect(records.find((r) => r.kind === "log" && r.level === "warn")?.attributes).toMatchObject({
      hookId: "test/words",
      "error.message": "bad filter",
    });
  });

  it("fails closed on request: the error propagates", async () => {
    const { bus } = setup();
    bus.addFilter(words, async () => {
      throw new Error("denied");
    });
    await expect(bus.applyFilters(words, [], { failClosed: true })).rejects.toThrow("denied");
  });

  it("removes a disposed filter", async () => {
    const { bus } = setup();
    const dispose = bus.addFilter(words, (w) => [...w, "x"]);
    dispose();
    dispose();
    expect(await bus.applyFilters(words, ["y"])).toEqual(["y"]);
  });
});

describe("services", () => {
  it("serves the single provider and refuses a second one", () => {
    const { logger } = setup();
    const core = createBusCore(logger);
    const implementation = { now: () => 42 };
    scopeBus(core, "clock-ext").provideService(clock, implementation);
    expect(core.getService(clock).now()).toBe(42);
    const err = thrown(() => scopeBus(core, "other-clock").provideService(clock, { now: () => 0 }));
    expect(err.code).toBe("SERVICE_ALREADY_PROVIDED");
    expect(err.message).toContain('already provided by "clock-ext"; "other-clock" cannot');
  });

  it("names the missing service and its declaring extension; tryGetService returns undefined", () => {
    const { bus } = setup();
    expect(bus.tryGetService(clock)).toBeUndefined();
    const err = thrown(() => bus.getService(clock));
    expect(err.code).toBe("SERVICE_MISSING");
    expect(err.message).toContain('Service "clock-ext/clock" (declared by "clock-ext") has no provider');
    expect(err.message).toContain(
      "the extension that should provide it is missing from the host's extension list",
    );
  });

  it("frees the handle on dispose; a stale dispose does not remove a newer provider", () => {
    const { bus } = setup();
    const dispose = bus.provideService(clock, { now: () => 1 });
    dispose();
    expect(bus.tryGetService(clock)).toBeUndefined();
    bus.provideService(clock, { now: () => 2 });
    dispose();
    expect(bus.getService(clock).now()).toBe(2);
  });
});
