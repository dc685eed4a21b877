/**
 * Cache warming: after each sealed turn of a conversation with warming on, a timer replays the
 * conversation's exact prompt prefix (the orchestrator's `warmService`) so the provider's prompt
 * cache is still hot when the user answers. A new turn cancels the timer; closing disables it.
 * A per-conversation surface (`cache-warming`) shows and changes the settings.
 */
import { type Extension, type HostApi, KERNEL_API_VERSION } from "@dispatch/kernel";
import {
  conversationClosed,
  turnSettled,
  turnStarted,
  type WarmResult,
  warmCompleted,
  warmService,
} from "@dispatch/session-orchestrator";
import { type SurfaceContext, surfaceRegistryService } from "@dispatch/surface-registry";
import type { SurfaceSpec } from "@dispatch/ui-contract";

/** Options of the extension. */
export interface CacheWarmingOptions {
  /** Whether conversations warm until a user turns it off. */
  enabledByDefault: boolean;
  /** Seconds between the end of a turn (or a warm) and the next warm. */
  intervalSeconds: number;
  /** Warms after one turn before warming stops until the next turn (bounds the cost of an idle tab). */
  maxWarmsPerIdle: number;
}

interface ConversationState {
  enabled: boolean;
  intervalSeconds: number;
  timer?: ReturnType<typeof setTimeout>;
  nextWarmAt: number | null;
  lastWarmAt: number | null;
  lastResult: WarmResult | null;
  warmsSinceTurn: number;
}

export const CACHE_WARMING_SURFACE_ID = "cache-warming";
const MIN_INTERVAL = 30;
const MAX_INTERVAL = 3600;

/** Creates the extension. */
export function createCacheWarmingExtension(options: CacheWarmingOptions): Extension {
  const states = new Map<string, ConversationState>();
  return {
    manifest: {
      id: "cache-warming",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["session-orchestrator", "surface-registry"],
      description: "Keeps provider prompt caches warm between turns",
    },
    activate(host) {
      const registry = host.getService(surfaceRegistryService);
      let notify: (context?: SurfaceContext) => void = () => {};

      const state = (conversationId: string): ConversationState => {
        let s = states.get(conversationId);
        if (!s) {
          s = {
            enabled: options.enabledByDefault,
            intervalSeconds: options.intervalSeconds,
            nextWarmAt: null,
            lastWarmAt: null,
            lastResult: null,
            warmsSinceTurn: 0,
          };
          states.set(conversationId, s);
        }
        return s;
      };
      const cancel = (s: ConversationState) => {
        clearTimeout(s.timer);
        s.timer = undefined;
        s.nextWarmAt = null;
      };
      const arm = (conversationId: string) => {
        const s = state(conversationId);
        cancel(s);
        if (!s.enabled || s.warmsSinceTurn >= options.maxWarmsPerIdle) return;
        s.nextWarmAt = host.now() + s.intervalSeconds * 1000;
        s.timer = setTimeout(() => void warmNow(conversationId, true), s.intervalSeconds * 1000);
        notify({ conversationId });
      };
      const warmNow = async (conversationId: string, scheduled: boolean) => {
        const s = state(conversationId);
        cancel(s);
        const outcome = await warm(host, conversationId);
        if ("error" in outcome) {
          host.logger.info("cache warm skipped", { conversationId, reason: outcome.error });
        } else {
          s.lastResult = outcome;
          s.lastWarmAt = host.now();
          if (scheduled) s.warmsSinceTurn += 1;
        }
        if (scheduled && !("error" in outcome)) arm(conversationId);
        notify({ conversationId });
      };

      // Every successful warm, the timer's and a manual `POST /chat/warm` alike, is what the
      // surface reports as the last warm (the client builds its warm history from `lastWarmAt`).
      host.on(warmCompleted, ({ conversationId, result, at }) => {
        const s = state(conversationId);
        s.lastResult = result;
        s.lastWarmAt = at;
        notify({ conversationId });
      });

      host.on(turnStarted, ({ conversationId }) => {
        const s = states.get(conversationId);
        if (s) cancel(s);
      });
      host.on(turnSettled, ({ conversationId, sealed }) => {
        if (!sealed) return;
        state(conversationId).warmsSinceTurn = 0;
        arm(conversationId);
      });
      host.on(conversationClosed, ({ conversationId }) => {
        const s = states.get(conversationId);
        if (!s) return;
        cancel(s);
        s.enabled = false;
        notify({ conversationId });
      });

      registry.register({
        catalogEntry: {
          id: CACHE_WARMING_SURFACE_ID,
          region: "side",
          title: "Cache Warming",
          scope: "conversation",
        },
        getSpec: (context) =>
          spec(context ? state(context.conversationId) : undefined, options.intervalSeconds),
        async invoke(actionId, payload, context) {
          if (!context) throw new Error("cache warming is per conversation: send the conversationId");
          const s = state(context.conversationId);
          if (actionId === "toggle") {
            if (payload !== undefined && typeof payload !== "boolean")
              throw new Error("toggle takes a boolean or nothing");
            s.enabled = typeof payload === "boolean" ? payload : !s.enabled;
            if (s.enabled) {
              s.warmsSinceTurn = 0;
              arm(context.conversationId);
            } else cancel(s);
          } else if (actionId === "set-interval") {
            if (typeof payload !== "number" || !Number.isFinite(payload)) {
              throw new Error(`set-interval takes a number of seconds (${MIN_INTERVAL}-${MAX_INTERVAL})`);
            }
            s.intervalSeconds = Math.min(MAX_INTERVAL, Math.max(MIN_INTERVAL, Math.round(payload)));
            if (s.timer) arm(context.conversationId);
          } else if (actionId === "warm-now") {
            await warmNow(context.conversationId, false);
          } else {
            throw new Error(`unknown action "${actionId}": use toggle, set-interval or warm-now`);
          }
        },
        subscribe(onChange) {
          notify = onChange;
          return () => {
            notify = () => {};
          };
        },
      });
    },
    deactivate() {
      for (const s of states.values()) clearTimeout(s.timer);
      states.clear();
    },
  };
}

async function warm(host: HostApi, conversationId: string) {
  const service = host.tryGetService(warmService);
  if (!service) return { error: "the warm service is not available" };
  return service.warm(conversationId);
}

function pct(value: number | undefined): string {
  return value === undefined ? "—" : `${Math.round(value)}%`;
}

/** The surface spec for one conversation (or the defaults when asked without one). */
function spec(s: ConversationState | undefined, defaultInterval: number): SurfaceSpec {
  return {
    id: CACHE_WARMING_SURFACE_ID,
    region: "side",
    title: "Cache Warming",
    fields: [
      {
        kind: "toggle",
        label: "Keep the prompt cache warm",
        value: s?.enabled ?? false,
        action: { actionId: "toggle" },
      },
      {
        kind: "number",
        label: "Interval",
        value: s?.intervalSeconds ?? defaultInterval,
        min: MIN_INTERVAL,
        max: MAX_INTERVAL,
        step: 30,
        unit: "s",
        action: { actionId: "set-interval" },
      },
      { kind: "stat", label: "Last cache rate", value: pct(s?.lastResult?.cachePct) },
      { kind: "stat", label: "Expected retention", value: pct(s?.lastResult?.expectedCacheRate) },
      {
        kind: "custom",
        rendererId: "cache-warming-timer",
        payload: { nextWarmAt: s?.nextWarmAt ?? null, lastWarmAt: s?.lastWarmAt ?? null },
      },
      { kind: "button", label: "Warm now", action: { actionId: "warm-now" } },
    ],
  };
}
