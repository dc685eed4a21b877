/**
 * The surface registry: the typed service through which extensions contribute UI surfaces (global
 * or conversation-scoped) and transports read the catalog, specs and changes.
 * @module
 */
export {
  invalidPayload,
  SurfaceError,
  type SurfaceErrorCode,
  unknownAction,
  unknownSurface,
} from "./errors.ts";
export { createSurfaceRegistryExtension } from "./extension.ts";
export { createSurfaceRegistry } from "./registry.ts";
export {
  type SurfaceChange,
  type SurfaceContext,
  type SurfaceProvider,
  type SurfaceRegistry,
  surfaceRegistryService,
} from "./types.ts";
