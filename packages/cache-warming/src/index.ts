/**
 * Prompt-cache warming: per-conversation timers armed after each sealed turn, and the
 * `cache-warming` surface the web client renders.
 * @module
 */
export {
  CACHE_WARMING_SURFACE_ID,
  type CacheWarmingOptions,
  createCacheWarmingExtension,
} from "./extension.ts";
