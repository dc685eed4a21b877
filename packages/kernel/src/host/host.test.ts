/**
 * The host with real extensions: dependency order, failure isolation (rollback of everything a
 * failed extension registered, dependents disabled with a reason), the activation timeout, apiVersion
 * checks, reverse and idempotent deactivation, registries with duplicate checks, and the registration
 * policy.
 */
import { describe, expect, it } from "vitest";
import { type Extension, type HostApi, KERNEL_API_VERSION } from "../contracts/extension.ts";
import { defineEvent, defineFilter, defineService } from "../contracts/hooks.ts";
import type { LogRecord } from "../contracts/logging.ts";
import type { Provider } from "../contracts/provider.ts";
import type { Tool } from "../contracts/tool.ts";
import { KernelError } from "../errors.ts";
import { createLogger, nullLogger } from "../logging/logger.ts";
import type { Sleep } from "../platform.ts";
import { deferred, settle } from "../turn/harness.test.ts";
import { createHost } from "./host.ts";

const greeted = defineEvent<string>("greeter/greeted");
const names = defineFilter<string[]>("greeter/names");
const greeter = defineService<{ greet(name: string): string }>("greeter/greeter");

const toolNamed = (name: string): Tool => ({
  name,
  description: name,
  inputSchema: {},
  execute: async () => ({ content: name }),
});
const providerNamed = (id: string): Provider => ({ id, stream: async function* () {} });

function extension(
  id: string,
  activate: (api: HostApi) => void | Promise<void> = () => undefined,
  options: { dependsOn?: string[]; apiVersion?: number; deactivate?: () => void | Promise<void> } = {},
): Extension {
  return {
    manifest: {
      id,
      version: "0.1.0",
      apiVersion: options.apiVersion ?? KERNEL_API_VERSION,
      dependsOn: options.dependsOn ?? [],
      description: `the ${id} extension`,
    },
    activate,
    ...(options.deactivate === undefined ? {} : { deactivate: options.deactivate }),
  };
}

function hostOf(extensions: Extension[]) {
  const records: LogRecord[] = [];
  const logger = createLogger({
    sink: { emit: (record) => records.push(record) },
    now: () => 0,
    newId: () => "id",
    extensionId: "host-bin",
  });
  const host = createHost({ extensions, logger, now: () => 0, sleep: async () => undefined });
  return { host, records };
}

function thrown(fn: () => unknown): KernelError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KernelError) return err;
    throw err;
  }
  throw new Error("expected a KernelError, but nothing was thrown");
}

describe("createHost: activation", () => {
  it("activates in dependency order and reports every extension in that order", async () => {
    const order: string[] = [];
    const { host } = hostOf([
      extension("b", () => void order.push("b"), { dependsOn: ["a"] }),
      extension("a", () => void order.push("a")),
    ]);
    await host.activate();
    expect(order).toEqual(["a", "b"]);
    expect(host.status()).toEqual([
      { id: "a", version: "0.1.0", description: "the a extension", state: "active" },
      { id: "b", version: "0.1.0", description: "the b extension", state: "active" },
    ]);
  });

  it("throws at creation on a bad graph, naming the ids", () => {
    const err = thrown(() =>
      hostOf([
        extension("x", undefined, { dependsOn: ["y"] }),
        extension("y", undefined, { dependsOn: ["x"] }),
      ]),
    );
    expect(err.code).toBe("DEPENDENCY_CYCLE");
    expect(err.message).toContain("x -> y -> x");
  });

  it("gives each extension a logger stamped with its id and lets services cross extensions", async () => {
    let greeting = "";
    const { host, records } = hostOf([
      extension("greeter", (api) => {
        api.logger.info("providing");
        api.provideService(greeter, { greet: (name) => `hello ${name}` });
      }),
      extension(
        "user",
        (api) => {
          greeting = api.getService(greeter).greet("ada");
        },
        {
          dependsOn: ["greeter"],
        },
      ),
    ]);
    await host.activate();
    expect(greeting).toBe("hello ada");
    expect(records.find((r) => r.kind === "log" && r.msg === "providing")?.extensionId).toBe("greeter");
  });

  it("rolls back a failed extension, disables its dependents, and boots the rest", async () => {
    const heard: string[] = [];
    const { host, records } = hostOf([
      extension("flaky", (api) => {
        api.registerTool(toolNamed("flaky_tool"));
        api.registerProvider(providerNamed("flaky-provider"));
        api.provideService(greeter, { greet: () => "never" });
        api.on(greeted, (name) => void heard.push(`flaky ${name}`));
        api.addFilter(names, (list) => [...list, "flaky"]);
        throw new Error("cannot reach the socket");
      }),
      extension("direct", () => undefined, { dependsOn: ["flaky"] }),
      extension("transitive", () => undefined, { dependsOn: ["direct"] }),
      extension("healthy", (api) => {
        api.registerTool(toolNamed("healthy_tool"));
        api.on(greeted, (name) => void heard.push(`healthy ${name}`));
      }),
    ]);
    await host.activate();

    expect(host.status().map(({ id, state, reason }) => ({ id, state, reason }))).toEqual([
      { id: "flaky", state: "disabled", reason: "activate failed: cannot reach the socket" },
      { id: "direct", state: "disabled", reason: "depends on flaky, which is disabled" },
      { id: "transitive", state: "disabled", reason: "depends on direct, which is disabled" },
      { id: "healthy", state: "active", reason: undefined },
    ]);
    const api = host.api;
    expect(api.tools().map((t) => t.name)).toEqual(["healthy_tool"]);
    expect(api.provider("flaky-provider")).toBeUndefined();
    expect(api.tryGetService(greeter)).toBeUndefined();
    api.emit(greeted, "ada");
    expect(heard).toEqual(["healthy ada"]);
    expect(await api.applyFilters(names, [])).toEqual([]);
    const failure = records.find((r) => r.kind === "log" && r.extensionId === "flaky" && r.level === "error");
    expect(failure?.attributes).toMatchObject({ "error.message": "cannot reach the socket" });
  });

  it("disables an extension built for another kernel API version without activating it", async () => {
    let activated = false;
    const { host } = hostOf([
      extension(
        "old",
        () => {
          activated = true;
        },
        { apiVersion: KERNEL_API_VERSION + 1 },
      ),
      extension("needs-old", () => undefined, { dependsOn: ["old"] }),
    ]);
    await host.activate();
    expect(activated).toBe(false);
    expect(host.status()[0]?.reason).toContain(`apiVersion ${KERNEL_API_VERSION + 1} does not match`);
    expect(host.status()[1]?.reason).toBe("depends on old, which is disabled");
  });

  it("refuses duplicate tool names and provider ids; the second registrant is disabled", async () => {
    const { host } = hostOf([
      extension("first", (api) => {
        api.registerTool(toolNamed("read_file"));
        api.registerProvider(providerNamed("openai"));
      }),
      extension("second", (api) => api.registerTool(toolNamed("read_file"))),
      extension("third", (api) => api.registerProvider(providerNamed("openai"))),
    ]);
    await host.activate();
    const [, second, third] = host.status();
    expect(second?.reason).toContain('The tool "read_file" is already registered by "first"');
    expect(third?.reason).toContain('The provider "openai" is already registered by "first"');
    expect(host.api.tool("read_file")?.name).toBe("read_file");
  });
});

describe("createHost: deactivation and registration policy", () => {
  it("deactivates active extensions in reverse order, logging errors, once", async () => {
    const order: string[] = [];
    const { host, records } = hostOf([
      extension("a", () => undefined, { deactivate: () => void order.push("a") }),
      extension("b", () => undefined, {
        dependsOn: ["a"],
        deactivate: () => {
          order.push("b");
          throw new Error("close failed");
        },
      }),
      extension("broken", () => Promise.reject(new Error("no")), {
        deactivate: () => void order.push("broken"),
      }),
      extension("c", (api) => api.registerTool(toolNamed("c_tool")), {
        dependsOn: ["b"],
        deactivate: async () => void order.push("c"),
      }),
    ]);
    await host.activate();
    await host.deactivate();
    await host.deactivate();
    expect(order).toEqual(["c", "b", "a"]);
    expect(host.api.tools()).toEqual([]);
    expect(host.status().map((s) => s.reason)).toEqual([
      "deactivated",
      "deactivated",
      "activate failed: no",
      "deactivated",
    ]);
    expect(
      records.some((r) => r.kind === "log" && r.extensionId === "b" && r.msg === "deactivate failed"),
    ).toBe(true);
  });

  it("lets an active extension register at runtime, but not a disabled one", async () => {
    const apis: Record<string, HostApi> = {};
    const { host } = hostOf([
      extension("lsp", (api) => {
        apis.lsp = api;
      }),
      extension("dead", (api) => {
        apis.dead = api;
        throw new Error("boom");
      }),
    ]);
    await host.activate();
    apis.lsp?.registerTool(toolNamed("lsp_hover"));
    expect(host.api.tool("lsp_hover")).toBeDefined();
    const err = thrown(() => apis.dead?.registerTool(toolNamed("zombie")));
    expect(err.code).toBe("REGISTRATION_CLOSED");
    expect(err.message).toContain('"dead" cannot register the tool "zombie"');
    expect(host.api.tool("zombie")).toBeUndefined();
  });

  it("closes host-level registration of tools, providers and services after activation", async () => {
    const { host } = hostOf([extension("a")]);
    host.api.registerTool(toolNamed("early"));
    await host.activate();
    expect(host.api.tool("early")).toBeDefined();
    expect(thrown(() => host.api.registerTool(toolNamed("late"))).code).toBe("REGISTRATION_CLOSED");
    expect(thrown(() => host.api.registerProvider(providerNamed("late"))).code).toBe("REGISTRATION_CLOSED");
    expect(thrown(() => host.api.provideService(greeter, { greet: () => "" })).code).toBe(
      "REGISTRATION_CLOSED",
    );
    const heard: string[] = [];
    host.api.on(greeted, (name) => void heard.push(name));
    host.api.emit(greeted, "still listening");
    expect(heard).toEqual(["still listening"]);
    expect(host.api.extensions().map((s) => s.id)).toEqual(["a"]);
  });
});

/** A clock and a sleep that move only when the test advances them; sleeps honour their signal. */
function virtualTime() {
  let time = 1000;
  const waits: Array<{ due: number; ms: number; wake: () => void }> = [];
  const sleep: Sleep = (ms, signal) =>
    new Promise((resolve) => {
      const wait = { due: time + ms, ms, wake: (): void => undefined };
      wait.wake = () => {
        waits.splice(waits.indexOf(wait), 1);
        resolve();
      };
      waits.push(wait);
      signal?.addEventListener("abort", () => wait.wake(), { once: true });
    });
  return {
    now: () => time,
    sleep,
    /** The durations of the sleeps still pending. */
    pending: () => waits.map((wait) => wait.ms),
    advance: (ms: number) => {
      time += ms;
      for (const wait of waits.filter((w) => w.due <= time)) wait.wake();
    },
  };
}

describe("createHost: activation timeout", () => {
  it("disables an extension whose activate never settles, rolls it back, and boots the rest", async () => {
    const clock = virtualTime();
    const apis: Record<string, HostApi> = {};
    const hanging = deferred();
    const records: LogRecord[] = [];
    const logger = createLogger({
      sink: { emit: (r) => records.push(r) },
      now: clock.now,
      newId: () => "id",
      extensionId: "host-bin",
    });
    const host = createHost({
      extensions: [
        extension("stuck", (api) => {
          apis.stuck = api;
          api.registerTool(toolNamed("stuck_tool"));
          return hanging.promise;
        }),
        extension("needs-stuck", () => undefined, { dependsOn: ["stuck"] }),
        extension("healthy", (api) => api.registerTool(toolNamed("healthy_tool"))),
      ],
      logger,
      now: clock.now,
      sleep: clock.sleep,
      activationTimeoutMs: 1000,
    });
    const booting = host.activate();
    await settle();
    expect(clock.pending()).toEqual([1000]);
    clock.advance(999);
    await settle();
    expect(host.status()[0]?.reason).toBe("activating");
    clock.advance(1);
    await booting;

    expect(host.status().map(({ id, state, reason }) => ({ id, state, reason }))).toEqual([
      { id: "stuck", state: "disabled", reason: "activate did not finish within 1000 ms" },
      { id: "needs-stuck", state: "disabled", reason: "depends on stuck, which is disabled" },
      { id: "healthy", state: "active", reason: undefined },
    ]);
    expect(host.api.tools().map((t) => t.name)).toEqual(["healthy_tool"]);
    expect(clock.pending()).toEqual([]);
    const late = thrown(() => apis.stuck?.registerTool(toolNamed("late_tool")));
    expect(late.code).toBe("REGISTRATION_CLOSED");
    expect(late.message).toContain("activate did not finish within 1000 ms");

    hanging.resolve();
    await settle();
    expect(host.status()[0]?.state).toBe("disabled");
    expect(
      records.some(
        (r) => r.kind === "log" && r.extensionId === "stuck" && r.msg.includes("after its timeout"),
      ),
    ).toBe(true);
  });

  it("waits 30 s by default and cancels the wait once activate settles", async () => {
    const clock = virtualTime();
    const slow = deferred();
    const host = createHost({
      extensions: [extension("slow", () => slow.promise)],
      logger: nullLogger,
      now: clock.now,
      sleep: clock.sleep,
    });
    const booting = host.activate();
    await settle();
    expect(clock.pending()).toEqual([30_000]);
    clock.advance(29_999);
    slow.resolve();
    await booting;
    expect(host.status()[0]?.state).toBe("active");
    expect(clock.pending()).toEqual([]);
  });

  it("never times out when the injected sleep returns without the clock moving (a fake clock)", async () => {
    const gate = deferred();
    const { host } = hostOf([extension("async", () => gate.promise)]);
    const booting = host.activate();
    await settle();
    gate.resolve();
    await booting;
    expect(host.status()[0]?.state).toBe("active");
  });
});
