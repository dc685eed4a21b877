/**
 * The cache-warming surface (`cache-warming`, per conversation) in the exact shape the web client's
 * Cache Warming view reads by kind: a `toggle` (enabled), a `number` (interval in seconds), two
 * `stat`s ("Last Cache %" and "Cache retention", `"—"` for none) and a `custom`
 * `"cache-warming-timer"` field `{ nextWarmAt, lastWarmAt }` (epoch ms or null). The warming
 * itself is not built yet: its extension registers `createCacheWarmingSurface(controls)`.
 */
import type { Dispose } from "@dispatch/kernel";
import { invalidPayload, type SurfaceProvider, unknownAction } from "@dispatch/surface-registry";
import type { SurfaceCatalogEntry, SurfaceSpec } from "@dispatch/ui-contract";
import { z } from "zod";

/** The surface's catalog entry. */
export const CACHE_WARMING_ENTRY: SurfaceCatalogEntry = {
  id: "cache-warming",
  region: "side",
  title: "Cache Warming",
  scope: "conversation",
};

/** The actions the client sends back. */
export const CACHE_WARMING_ACTIONS = {
  /** Payload: none (flip) or a boolean. */
  toggle: "cache-warming/toggle",
  /** Payload: whole seconds, at least 1. */
  setInterval: "cache-warming/set-interval",
} as const;

/** What the surface shows for one conversation. */
export interface CacheWarmingState {
  enabled: boolean;
  intervalMs: number;
  /** Cache-read share of the last warm's input, 0-100. */
  lastCachePct: number | null;
  /** Cache read / (read + write) of the last warm, 0-100: is warming keeping the cache? */
  retentionPct: number | null;
  /** When the next automatic warm fires (epoch ms), `null` when none is scheduled. */
  nextWarmAt: number | null;
  lastWarmAt: number | null;
}

/** What the cache-warming extension gives the surface. */
export interface CacheWarmingControls {
  /** Contract: never throws; an unknown conversation gets the defaults. */
  state(conversationId: string): CacheWarmingState;
  /** Contract: persists the choice and reschedules; rejects only on a bug (the client sees `error`). */
  setEnabled(conversationId: string, enabled: boolean): void | Promise<void>;
  /** Contract: `intervalMs` is already validated (1 s to 1 day). */
  setIntervalMs(conversationId: string, intervalMs: number): void | Promise<void>;
  /** Contract: calls `listener` with the conversation whenever its state changes (a warm, a timer). */
  onChange(listener: (conversationId: string) => void): Dispose;
}

/** The state shown when no conversation is focused. */
export const IDLE_CACHE_WARMING: CacheWarmingState = {
  enabled: false,
  intervalMs: 240_000,
  lastCachePct: null,
  retentionPct: null,
  nextWarmAt: null,
  lastWarmAt: null,
};

const percent = (value: number | null) => (value === null ? "—" : `${Math.round(value)}%`);

/** The spec for one state. */
export function buildCacheWarmingSpec(state: CacheWarmingState): SurfaceSpec {
  const { id, region, title } = CACHE_WARMING_ENTRY;
  return {
    id,
    region,
    title,
    fields: [
      {
        kind: "toggle",
        label: "Enabled",
        value: state.enabled,
        action: { actionId: CACHE_WARMING_ACTIONS.toggle },
      },
      {
        kind: "number",
        label: "Refresh Interval",
        value: Math.round(state.intervalMs / 1000),
        min: 1,
        step: 1,
        unit: "s",
        action: { actionId: CACHE_WARMING_ACTIONS.setInterval },
      },
      { kind: "stat", label: "Last Cache %", value: percent(state.lastCachePct) },
      { kind: "stat", label: "Cache retention", value: percent(state.retentionPct) },
      {
        kind: "custom",
        rendererId: "cache-warming-timer",
        payload: { nextWarmAt: state.nextWarmAt, lastWarmAt: state.lastWarmAt },
      },
    ],
  };
}

const togglePayload = z.boolean().optional();
const secondsPayload = z.number().int().min(1).max(86_400);

/** The provider to register once a cache-warming service exists. */
export function createCacheWarmingSurface(controls: CacheWarmingControls): SurfaceProvider {
  const id = CACHE_WARMING_ENTRY.id;
  return {
    catalogEntry: CACHE_WARMING_ENTRY,
    getSpec: (context) =>
      buildCacheWarmingSpec(context ? controls.state(context.conversationId) : IDLE_CACHE_WARMING),
    async invoke(actionId, payload, context) {
      const known = Object.values(CACHE_WARMING_ACTIONS);
      if (!known.includes(actionId as (typeof known)[number])) throw unknownAction(id, actionId, known);
      if (!context)
        throw invalidPayload(id, actionId, "cache warming is per conversation: send a conversationId");
      const { conversationId } = context;
      if (actionId === CACHE_WARMING_ACTIONS.toggle) {
        const parsed = togglePayload.safeParse(payload ?? undefined);
        if (!parsed.success) throw invalidPayload(id, actionId, "send no payload to flip it, or true/false");
        await controls.setEnabled(conversationId, parsed.data ?? !controls.state(conversationId).enabled);
        return;
      }
      const parsed = secondsPayload.safeParse(payload);
      if (!parsed.success)
        throw invalidPayload(id, actionId, "send the interval as whole seconds from 1 to 86400");
      await controls.setIntervalMs(conversationId, parsed.data * 1000);
    },
    subscribe: (onChange) => controls.onChange((conversationId) => onChange({ conversationId })),
  };
}
