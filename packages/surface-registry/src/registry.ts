/**
 * The in-process surface registry: a map of providers, the catalog in registration order, and one
 * change stream that merges catalog changes, provider-signalled changes and post-`invoke` refreshes.
 */
import type { Dispose, Logger } from "@dispatch/kernel";
import type { SurfaceCatalogEntry, SurfaceSpec } from "@dispatch/ui-contract";
import { unknownSurface } from "./errors.ts";
import type { SurfaceChange, SurfaceContext, SurfaceProvider, SurfaceRegistry } from "./types.ts";

interface Entry {
  provider: SurfaceProvider;
  stopWatching: Dispose | undefined;
}

/** Creates an empty registry; `logger` records failing watchers and replaced providers. */
export function createSurfaceRegistry(logger: Logger): SurfaceRegistry {
  const entries = new Map<string, Entry>();
  const watchers = new Set<(change: SurfaceChange) => void>();

  function announce(change: SurfaceChange): void {
    for (const watcher of [...watchers]) {
      try {
        watcher(change);
      } catch (err) {
        logger.warn("surface watcher threw; it stays subscribed", { err, change: change.kind });
      }
    }
  }

  /** A change of a global surface concerns every subscriber, whatever conversation they named. */
  function specChanged(entry: SurfaceCatalogEntry, context?: SurfaceContext): void {
    const scoped = entry.scope === "conversation" && context !== undefined;
    announce({
      kind: "spec",
      surfaceId: entry.id,
      ...(scoped ? { conversationId: context.conversationId } : {}),
    });
  }

  function lookup(surfaceId: string): SurfaceProvider {
    const entry = entries.get(surfaceId);
    if (entry === undefined) throw unknownSurface(surfaceId);
    return entry.provider;
  }

  return {
    register(provider) {
      const id = provider.catalogEntry.id;
      const previous = entries.get(id);
      if (previous !== undefined) {
        logger.warn("a surface was registered again; the new provider replaces the old one", {
          surfaceId: id,
        });
        previous.stopWatching?.();
        entries.delete(id);
      }
      const entry: Entry = { provider, stopWatching: undefined };
      entries.set(id, entry);
      entry.stopWatching = provider.subscribe?.((context) => {
        if (entries.get(id) === entry) specChanged(provider.catalogEntry, context);
      });
      announce({ kind: "catalog" });
      let disposed = false;
      return () => {
        if (disposed) return;
        disposed = true;
        if (entries.get(id) !== entry) return;
        entry.stopWatching?.();
        entries.delete(id);
        announce({ kind: "catalog" });
      };
    },
    getCatalog: () => [...entries.values()].map((entry) => entry.provider.catalogEntry),
    getSurface: (surfaceId) => entries.get(surfaceId)?.provider,
    async getSpec(surfaceId, context): Promise<SurfaceSpec> {
      return await lookup(surfaceId).getSpec(context);
    },
    async invoke(surfaceId, actionId, payload, context) {
      const provider = lookup(surfaceId);
      await provider.invoke(actionId, payload, context);
      if (entries.get(surfaceId)?.provider === provider) specChanged(provider.catalogEntry, context);
    },
    watch(listener) {
      watchers.add(listener);
      return () => {
        watchers.delete(listener);
      };
    },
  };
}
