/** The `surface-registry` extension: provides `surfaceRegistryService` to contributors and transports. */
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { createSurfaceRegistry } from "./registry.ts";
import { surfaceRegistryService } from "./types.ts";

/** Creates the extension. It has no options: surfaces come from the extensions that register them. */
export function createSurfaceRegistryExtension(): Extension {
  return {
    manifest: {
      id: "surface-registry",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: [],
      description: "Registry of the UI surfaces extensions contribute",
    },
    activate(host) {
      host.provideService(surfaceRegistryService, createSurfaceRegistry(host.logger));
    },
  };
}
