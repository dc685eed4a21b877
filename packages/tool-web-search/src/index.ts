/**
 * tool-web-search: the `web_search` tool on Firecrawl and its extension.
 * @module
 */
export {
  createWebSearchExtension,
  DEFAULT_FIRECRAWL_API_URL,
  type WebSearchExtensionOptions,
} from "./extension.ts";
export { checkUrl, isPrivateHost } from "./url-policy.ts";
export { createWebSearchTool, type FirecrawlLike, type WebSearchToolOptions } from "./web-search-tool.ts";
