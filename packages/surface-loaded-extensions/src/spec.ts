/**
 * The Loaded Extensions spec, a pure function of the host's extension statuses: one `stat` per
 * active extension (label: its id; value: its version and description), which clients render as
 * one table.
 */
import type { ExtensionStatus } from "@dispatch/kernel";
import type { StatField, SurfaceCatalogEntry, SurfaceSpec } from "@dispatch/ui-contract";

/** The surface's catalog entry: global, in the side region. */
export const LOADED_EXTENSIONS_ENTRY: SurfaceCatalogEntry = {
  id: "loaded-extensions",
  region: "side",
  title: "Loaded Extensions",
  scope: "global",
};

/** The spec for `statuses` (disabled extensions are left out). */
export function buildLoadedExtensionsSpec(statuses: readonly ExtensionStatus[]): SurfaceSpec {
  const fields: StatField[] = statuses
    .filter((status) => status.state === "active")
    .map((status) => ({
      kind: "stat",
      label: status.id,
      value: status.description ? `${status.version} · ${status.description}` : status.version,
    }));
  const { id, region, title } = LOADED_EXTENSIONS_ENTRY;
  return { id, region, title, fields };
}
