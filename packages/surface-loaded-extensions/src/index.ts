/**
 * The Loaded Extensions surface (`loaded-extensions`, global): one `stat` per active extension.
 * @module
 */
export { createLoadedExtensionsExtension } from "./extension.ts";
export { buildLoadedExtensionsSpec, LOADED_EXTENSIONS_ENTRY } from "./spec.ts";
