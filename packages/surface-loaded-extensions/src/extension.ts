/**
 * The `surface-loaded-extensions` extension: registers the global Loaded Extensions surface, built
 * from the host's extension statuses each time a client asks (so extensions activated after this
 * one are listed too). The surface is read-only.
 */
import { type Dispose, type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { surfaceRegistryService, unknownAction } from "@dispatch/surface-registry";
import { buildLoadedExtensionsSpec, LOADED_EXTENSIONS_ENTRY } from "./spec.ts";

/** Creates the extension. */
export function createLoadedExtensionsExtension(): Extension {
  let unregister: Dispose | undefined;
  return {
    manifest: {
      id: "surface-loaded-extensions",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["surface-registry"],
      description: "Loaded Extensions surface: one line per active extension",
    },
    activate(host) {
      unregister = host.getService(surfaceRegistryService).register({
        catalogEntry: LOADED_EXTENSIONS_ENTRY,
        getSpec: () => buildLoadedExtensionsSpec(host.extensions()),
        invoke: (actionId) => {
          throw unknownAction(LOADED_EXTENSIONS_ENTRY.id, actionId, []);
        },
      });
    },
    deactivate() {
      unregister?.();
      unregister = undefined;
    },
  };
}
