/**
 * The surface registry's contract: what an extension implements to contribute a surface
 * (`SurfaceProvider`), and the registry service transports read catalogs, specs and changes from.
 */
import { type Dispose, defineService } from "@dispatch/kernel";
import type { SurfaceCatalog, SurfaceCatalogEntry, SurfaceSpec } from "@dispatch/ui-contract";

/** The conversation a conversation-scoped surface is asked about. */
export interface SurfaceContext {
  readonly conversationId: string;
}

/** What an extension registers to contribute one surface. */
export interface SurfaceProvider {
  /** `id`, `region`, `title`, and `scope: "conversation"` when the state differs per conversation. */
  readonly catalogEntry: SurfaceCatalogEntry;
  /**
   * The full current spec (its `id` is the catalog entry's). Contract: may be async; a throw or a
   * rejection is reported to the asking client as an `error`; must not change state.
   */
  getSpec(context?: SurfaceContext): SurfaceSpec | Promise<SurfaceSpec>;
  /**
   * Runs a field's action. Contract: validates `payload` itself and throws (or rejects) with a
   * message that says what to fix on an unknown action or a bad payload (see `surfaceError`); once
   * it resolves, the registry refreshes every subscriber of the surface.
   */
  invoke(actionId: string, payload: unknown, context?: SurfaceContext): void | Promise<void>;
  /**
   * Optional: tells the registry the spec may have changed for reasons other than `invoke`.
   * Contract: `onChange(context)` refreshes that conversation's subscribers, `onChange()` all of
   * them; returns a disposer the registry calls when the provider is unregistered.
   */
  subscribe?(onChange: (context?: SurfaceContext) => void): Dispose;
}

/** What the registry tells its watchers: the catalog changed, or a surface's spec may have. */
export type SurfaceChange =
  | { readonly kind: "catalog" }
  /** `conversationId` absent: every subscriber of the surface, whatever its conversation. */
  | { readonly kind: "spec"; readonly surfaceId: string; readonly conversationId?: string };

/** The in-process registry of surfaces. */
export interface SurfaceRegistry {
  /**
   * Adds a provider; the last registration of an id wins. Contract: the disposer removes only its
   * own provider and is idempotent; both announce a catalog change.
   */
  register(provider: SurfaceProvider): Dispose;
  /** Every registered surface's catalog entry, in registration order. */
  getCatalog(): SurfaceCatalog;
  getSurface(surfaceId: string): SurfaceProvider | undefined;
  /** The spec, awaited. Rejects with `SurfaceError` `UNKNOWN_SURFACE`, or the provider's error. */
  getSpec(surfaceId: string, context?: SurfaceContext): Promise<SurfaceSpec>;
  /** Runs an action, then announces a spec change for its subscribers. Rejects like `getSpec`. */
  invoke(surfaceId: string, actionId: string, payload: unknown, context?: SurfaceContext): Promise<void>;
  /** Listens to changes. Contract: a throwing watcher is logged and keeps its subscription. */
  watch(listener: (change: SurfaceChange) => void): Dispose;
}

/** Provided by the `surface-registry` extension. */
export const surfaceRegistryService = defineService<SurfaceRegistry>("surface-registry/registry");
