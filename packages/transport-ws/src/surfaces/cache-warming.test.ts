/**
 * The cache-warming surface in the shape the web client's Cache Warming view parses, and its
 * actions over in-memory controls (the warming service does not exist yet): toggle without a
 * payload flips, with a boolean sets; the interval takes whole seconds; bad input is refused with
 * a message; control changes reach the registry as that conversation's change.
 */
import { nullLogger } from "@dispatch/kernel";
import { createSurfaceRegistry, type SurfaceChange } from "@dispatch/surface-registry";
import { describe, expect, it } from "vitest";
import {
  buildCacheWarmingSpec,
  type CacheWarmingControls,
  type CacheWarmingState,
  createCacheWarmingSurface,
  IDLE_CACHE_WARMING,
} from "./cache-warming.ts";

function memoryControls() {
  const states = new Map<string, CacheWarmingState>();
  const listeners = new Set<(conversationId: string) => void>();
  const get = (id: string) => states.get(id) ?? { ...IDLE_CACHE_WARMING };
  const update = (id: string, patch: Partial<CacheWarmingState>) => {
    states.set(id, { ...get(id), ...patch });
    for (const listener of listeners) listener(id);
  };
  const controls: CacheWarmingControls = {
    state: get,
    setEnabled: (id, enabled) => update(id, { enabled }),
    setIntervalMs: (id, intervalMs) => update(id, { intervalMs }),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { controls, update };
}

describe("cache-warming spec", () => {
  it("has the fields the web client reads by kind, in order", () => {
    const spec = buildCacheWarmingSpec({
      enabled: true,
      intervalMs: 240_000,
      lastCachePct: 80.4,
      retentionPct: 95,
      nextWarmAt: 1000,
      lastWarmAt: 500,
    });
    expect(spec).toEqual({
      id: "cache-warming",
      region: "side",
      title: "Cache Warming",
      fields: [
        { kind: "toggle", label: "Enabled", value: true, action: { actionId: "cache-warming/toggle" } },
        {
          kind: "number",
          label: "Refresh Interval",
          value: 240,
          min: 1,
          step: 1,
          unit: "s",
          action: { actionId: "cache-warming/set-interval" },
        },
        { kind: "stat", label: "Last Cache %", value: "80%" },
        { kind: "stat", label: "Cache retention", value: "95%" },
        { kind: "custom", rendererId: "cache-warming-timer", payload: { nextWarmAt: 1000, lastWarmAt: 500 } },
      ],
    });
    expect(buildCacheWarmingSpec(IDLE_CACHE_WARMING).fields[2]).toEqual({
      kind: "stat",
      label: "Last Cache %",
      value: "—",
    });
  });
});

describe("cache-warming actions", () => {
  it("flips without a payload, sets with a boolean, takes seconds, and refuses bad input", async () => {
    const { controls } = memoryControls();
    const registry = createSurfaceRegistry(nullLogger);
    registry.register(createCacheWarmingSurface(controls));
    const c1 = { conversationId: "c1" };
    await registry.invoke("cache-warming", "cache-warming/toggle", undefined, c1);
    expect(controls.state("c1").enabled).toBe(true);
    await registry.invoke("cache-warming", "cache-warming/toggle", undefined, c1);
    expect(controls.state("c1").enabled).toBe(false);
    await registry.invoke("cache-warming", "cache-warming/toggle", true, c1);
    expect(controls.state("c1").enabled).toBe(true);
    await registry.invoke("cache-warming", "cache-warming/set-interval", 90, c1);
    const spec = await registry.getSpec("cache-warming", c1);
    expect(spec.fields[1]).toMatchObject({ kind: "number", value: 90 });

    await expect(registry.invoke("cache-warming", "cache-warming/set-interval", "soon", c1)).rejects.toThrow(
      "whole seconds from 1 to 86400",
    );
    await expect(registry.invoke("cache-warming", "cache-warming/set-interval", 0.5, c1)).rejects.toThrow(
      "whole seconds",
    );
    await expect(registry.invoke("cache-warming", "cache-warming/toggle", "yes", c1)).rejects.toThrow(
      "true/false",
    );
    await expect(registry.invoke("cache-warming", "cache-warming/toggle", undefined)).rejects.toThrow(
      "send a conversationId",
    );
    await expect(registry.invoke("cache-warming", "warm-now", undefined, c1)).rejects.toThrow(
      'its actions are "cache-warming/toggle", "cache-warming/set-interval"',
    );
    expect(controls.state("c1").intervalMs).toBe(90_000);
  });

  it("turns control changes into changes of that conversation", () => {
    const { controls, update } = memoryControls();
    const registry = createSurfaceRegistry(nullLogger);
    const changes: SurfaceChange[] = [];
    registry.register(createCacheWarmingSurface(controls));
    registry.watch((change) => changes.push(change));
    update("c7", { lastWarmAt: 123, nextWarmAt: 456 });
    expect(changes).toEqual([{ kind: "spec", surfaceId: "cache-warming", conversationId: "c7" }]);
  });
});
