/**
 * The `lsp-status` surface: a global table with one `stat` per language server the daemon knows
 * about (running, starting, or failed and waiting out its backoff). It has no actions; it tells
 * the registry to refresh whenever the manager's state changes.
 */
import { type SurfaceProvider, unknownAction } from "@dispatch/surface-registry";
import type { StatField, SurfaceCatalogEntry, SurfaceSpec } from "@dispatch/ui-contract";
import type { ClientState } from "./manager.ts";

/** The surface's catalog entry: global, in the side region. */
export const LSP_STATUS_ENTRY: SurfaceCatalogEntry = {
  id: "lsp-status",
  region: "side",
  title: "Language Servers",
  scope: "global",
};

/** The spec for the manager's states. */
export function buildLspStatusSpec(states: readonly ClientState[]): SurfaceSpec {
  const fields: StatField[] =
    states.length === 0
      ? [{ kind: "stat", label: "servers", value: "none running" }]
      : states.map((state) => ({
          kind: "stat",
          label: `${state.serverId} · ${state.root}`,
          value: state.error === undefined ? state.state : `${state.state}: ${state.error}`,
        }));
  const { id, region, title } = LSP_STATUS_ENTRY;
  return { id, region, title, fields };
}

/** A provider over `states`; `subscribe` hooks into `onChange` registrations. */
export function createLspStatusSurface(
  states: () => readonly ClientState[],
  listeners: Set<() => void>,
): SurfaceProvider {
  return {
    catalogEntry: LSP_STATUS_ENTRY,
    getSpec: () => buildLspStatusSpec(states()),
    invoke(actionId) {
      throw unknownAction(LSP_STATUS_ENTRY.id, actionId, []);
    },
    subscribe(onChange) {
      const listener = () => onChange();
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
