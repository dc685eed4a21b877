/**
 * The `tool-web-search` extension: the `web_search` tool on a Firecrawl v2 client for the
 * configured endpoint (hosted by default, or self-hosted). The SDK (with axios) is loaded and the
 * client created on the first call, not at activation. The API key never reaches logs or results.
 */
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { createWebSearchTool, type FirecrawlLike } from "./web-search-tool.ts";

/** Firecrawl's hosted API. */
export const DEFAULT_FIRECRAWL_API_URL = "https://api.firecrawl.dev";

/** Options of `createWebSearchExtension` (the host passes `FIRECRAWL_API_URL` and `FIRECRAWL_API_KEY`). */
export interface WebSearchExtensionOptions {
  /** Defaults to the hosted API. */
  apiUrl?: string;
  /** Optional for self-hosted instances; search and scrape on the hosted API also work without one (rate-limited). */
  apiKey?: string;
  /** Per request; defaults to 30 s. */
  requestTimeoutMs?: number;
  /** A whole crawl; defaults to 5 minutes. */
  crawlTimeoutMs?: number;
  /** Between crawl status polls; defaults to 2 s. */
  pollIntervalMs?: number;
  /** Allow loopback and private-network URLs. */
  allowPrivateUrls?: boolean;
}

/**
 * The extension registering `web_search`.
 * @example createWebSearchExtension({ apiUrl: env.FIRECRAWL_API_URL, apiKey: env.FIRECRAWL_API_KEY })
 */
export function createWebSearchExtension(options: WebSearchExtensionOptions = {}): Extension {
  return {
    manifest: {
      id: "tool-web-search",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: [],
      description: "web_search: search, scrape, crawl and map through Firecrawl",
    },
    activate(host) {
      const apiUrl = options.apiUrl ?? DEFAULT_FIRECRAWL_API_URL;
      const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
      let client: Promise<FirecrawlLike> | undefined;
      const connect = () => {
        client ??= import("@mendable/firecrawl-js").then(
          // Explicit values, so the SDK never falls back to reading the process environment.
          ({ FirecrawlClient }) =>
            new FirecrawlClient({
              apiUrl,
              apiKey: options.apiKey ?? "",
              timeoutMs: requestTimeoutMs + 5_000,
            }),
          (err: unknown) => {
            client = undefined;
            throw err;
          },
        );
        return client;
      };
      host.logger.info("web_search configured", { apiUrl, hasApiKey: Boolean(options.apiKey) });
      host.registerTool(
        createWebSearchTool({
          client: connect,
          requestTimeoutMs,
          ...(options.crawlTimeoutMs === undefined ? {} : { crawlTimeoutMs: options.crawlTimeoutMs }),
          ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
          ...(options.allowPrivateUrls === undefined ? {} : { allowPrivateUrls: options.allowPrivateUrls }),
          secrets: options.apiKey ? [options.apiKey] : [],
        }),
      );
    },
  };
}
