/**
 * The registry on its own and through a real host: catalog order, last registration wins, disposers
 * remove only their own provider, async specs are awaited, and every change reaches the watchers
 * with the right scope.
 */
import { createHost, createLogger, type LogRecord, nullLogger } from "@dispatch/kernel";
import type { SurfaceSpec } from "@dispatch/ui-contract";
import { describe, expect, it } from "vitest";
import { SurfaceError, unknownAction } from "./errors.ts";
import { createSurfaceRegistryExtension } from "./extension.ts";
import { createSurfaceRegistry } from "./registry.ts";
import {
  type SurfaceChange,
  type SurfaceContext,
  type SurfaceProvider,
  surfaceRegistryService,
} from "./types.ts";

function spec(id: string, label = "value"): SurfaceSpec {
  return { id, region: "side", title: id, fields: [{ kind: "stat", label, value: "1" }] };
}

function provider(id: string, overrides: Partial<SurfaceProvider> = {}): SurfaceProvider {
  return {
    catalogEntry: { id, region: "side", title: id },
    getSpec: () => spec(id),
    invoke: () => {},
    ...overrides,
  };
}

function collect() {
  const registry = createSurfaceRegistry(nullLogger);
  const changes: SurfaceChange[] = [];
  registry.watch((change) => changes.push(change));
  return { registry, changes };
}

describe("surface registry", () => {
  it("lists surfaces in registration order and announces catalog changes", () => {
    const { registry, changes } = collect();
    registry.register(provider("a"));
    const disposeB = registry.register(provider("b"));
    expect(registry.getCatalog().map((e) => e.id)).toEqual(["a", "b"]);
    disposeB();
    disposeB();
    expect(registry.getCatalog().map((e) => e.id)).toEqual(["a"]);
    expect(changes).toEqual([{ kind: "catalog" }, { kind: "catalog" }, { kind: "catalog" }]);
  });

  it("lets the last registration win and the old disposer remove nothing", async () => {
    const { registry } = collect();
    const disposeOld = registry.register(provider("a", { getSpec: () => spec("a", "old") }));
    registry.register(provider("a", { getSpec: () => spec("a", "new") }));
    disposeOld();
    expect(registry.getCatalog()).toHaveLength(1);
    const current = await registry.getSpec("a");
    expect(current.fields[0]).toEqual({ kind: "stat", label: "new", value: "1" });
  });

  it("awaits async providers and passes the conversation context", async () => {
    const { registry } = collect();
    const seen: (SurfaceContext | undefined)[] = [];
    registry.register(
      provider("q", {
        getSpec: async (context) => {
          seen.push(context);
          await Promise.resolve();
          return spec("q", context?.conversationId ?? "none");
        },
      }),
    );
    expect((await registry.getSpec("q", { conversationId: "c1" })).fields[0]).toMatchObject({ label: "c1" });
    expect((await registry.getSpec("q")).fields[0]).toMatchObject({ label: "none" });
    expect(seen).toEqual([{ conversationId: "c1" }, undefined]);
  });

  it("rejects unknown surfaces with a message naming the id", async () => {
    const { registry } = collect();
    await expect(registry.getSpec("nope")).rejects.toThrow('unknown surface "nope"');
    await expect(registry.invoke("nope", "x", undefined)).rejects.toBeInstanceOf(SurfaceError);
  });

  it("refreshes subscribers after an invoke: per conversation when scoped, all when global", async () => {
    const { registry, changes } = collect();
    const calls: unknown[] = [];
    registry.register(
      provider("scoped", {
        catalogEntry: { id: "scoped", region: "side", title: "S", scope: "conversation" },
        invoke: (actionId, payload, context) => {
          calls.push([actionId, payload, context]);
        },
      }),
    );
    registry.register(provider("global"));
    changes.length = 0;
    await registry.invoke("scoped", "flip", true, { conversationId: "c1" });
    await registry.invoke("global", "flip", undefined, { conversationId: "c1" });
    expect(calls).toEqual([["flip", true, { conversationId: "c1" }]]);
    expect(changes).toEqual([
      { kind: "spec", surfaceId: "scoped", conversationId: "c1" },
      { kind: "spec", surfaceId: "global" },
    ]);
  });

  it("does not announce a change when the action fails", async () => {
    const { registry, changes } = collect();
    registry.register(
      provider("a", {
        invoke: (actionId) => {
          throw unknownAction("a", actionId, ["toggle"]);
        },
      }),
    );
    changes.length = 0;
    await expect(registry.invoke("a", "bogus", undefined)).rejects.toThrow(
      'surface "a" has no action "bogus": its actions are "toggle"',
    );
    expect(changes).toEqual([]);
  });

  it("forwards provider-signalled changes until the provider is removed", () => {
    const { registry, changes } = collect();
    let signal: ((context?: SurfaceContext) => void) | undefined;
    let stopped = 0;
    const dispose = registry.register(
      provider("q", {
        catalogEntry: { id: "q", region: "side", title: "Q", scope: "conversation" },
        subscribe(onChange) {
          signal = onChange;
          return () => {
            stopped += 1;
          };
        },
      }),
    );
    changes.length = 0;
    signal?.({ conversationId: "c2" });
    signal?.();
    dispose();
    signal?.({ conversationId: "c2" });
    expect(changes).toEqual([
      { kind: "spec", surfaceId: "q", conversationId: "c2" },
      { kind: "spec", surfaceId: "q" },
      { kind: "catalog" },
    ]);
    expect(stopped).toBe(1);
  });

  it("isolates a throwing watcher and logs it", () => {
    const records: LogRecord[] = [];
    const logger = createLogger({
      sink: { emit: (r) => records.push(r) },
      now: () => 0,
      newId: () => "id",
      extensionId: "t",
    });
    const registry = createSurfaceRegistry(logger);
    const seen: SurfaceChange[] = [];
    registry.watch(() => {
      throw new Error("boom");
    });
    registry.watch((change) => seen.push(change));
    registry.register(provider("a"));
    expect(seen).toEqual([{ kind: "catalog" }]);
    expect(
      records.some((r) => r.kind === "log" && r.level === "warn" && r.msg.includes("watcher threw")),
    ).toBe(true);
  });

  it("is provided as a service by its extension", async () => {
    const host = createHost({
      extensions: [createSurfaceRegistryExtension()],
      logger: nullLogger,
      now: Date.now,
      sleep: async () => {},
    });
    await host.activate();
    const registry = host.api.getService(surfaceRegistryService);
    registry.register(provider("x"));
    expect(registry.getCatalog()).toEqual([{ id: "x", region: "side", title: "x" }]);
    await host.deactivate();
  });
});
