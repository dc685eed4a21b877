/**
 * The `web_search` tool on Firecrawl (`@mendable/firecrawl-js`, hosted or self-hosted): search,
 * scrape, crawl and map. Every request is bounded by a timeout combined with the turn's abort
 * signal (the SDK takes no signal, so the call is raced and a crawl is cancelled server-side);
 * results are readable text, capped.
 */
import type { Tool } from "@dispatch/kernel";
import { defineTool, raceAbort, ToolFailure, toAbortSignal, withTimeout } from "@dispatch/tool-kit";
import type { FirecrawlClient } from "@mendable/firecrawl-js";
import { z } from "zod";
import { formatCrawl, formatMap, formatPage, formatSearch } from "./format.ts";
import { checkUrl } from "./url-policy.ts";

/** The part of the Firecrawl v2 client the tool uses. */
export type FirecrawlLike = Pick<
  FirecrawlClient,
  "search" | "scrape" | "map" | "startCrawl" | "getCrawlStatus" | "cancelCrawl"
>;

/** What `createWebSearchTool` needs. */
export interface WebSearchToolOptions {
  /**
   * The client, or a function giving it (awaited on each call once the arguments are valid, so the
   * SDK can be loaded on first use). Contract: may reject; the call then fails with its message.
   */
  client: FirecrawlLike | (() => Promise<FirecrawlLike>);
  /** Per request; defaults to 30 s. */
  requestTimeoutMs?: number;
  /** A whole crawl; defaults to 5 minutes. */
  crawlTimeoutMs?: number;
  /** Between crawl status polls; defaults to 2 s. */
  pollIntervalMs?: number;
  /** Allow loopback and private-network URLs (for a Firecrawl meant to reach an intranet). */
  allowPrivateUrls?: boolean;
  /** Strings never to show the model (the API key), removed from error messages. */
  secrets?: readonly string[];
}

const input = z.object({
  query: z.string().min(1).optional().describe("What to search for (search mode), or a filter for map mode."),
  url: z.string().min(1).optional().describe("The page or site (scrape, crawl and map modes)."),
  mode: z
    .enum(["search", "scrape", "crawl", "map"])
    .optional()
    .describe(
      "search the web, scrape one page, crawl a site, or map a site's URLs. Default: scrape when url is given, else search.",
    ),
  limit: z
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .describe("Results: search default 5 (max 10), crawl pages default 3 (max 10), map URLs default 100."),
  scrape: z.boolean().default(false).describe("search mode: also fetch each result page as markdown."),
  country: z
    .string()
    .length(2)
    .optional()
    .describe("search mode: two-letter country code to localize results."),
  format: z
    .enum(["markdown", "html"])
    .default("markdown")
    .describe("scrape mode: page format (default markdown)."),
});

type Args = z.output<typeof input>;

const DESCRIPTION = `Search the web and read web pages (through Firecrawl).
Modes: search (query -> ranked results; scrape: true also returns each page's content), scrape (url -> the page as markdown), crawl (url -> several pages of a site), map (url -> the site's URLs).
Only public http(s) URLs. Output is capped at 50,000 characters.`;

/** The `web_search` tool. */
export function createWebSearchTool(options: WebSearchToolOptions): Tool {
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const { client } = options;
  const connect = typeof client === "function" ? client : () => Promise.resolve(client);
  const settings = {
    ...options,
    requestTimeoutMs,
    crawlTimeoutMs: options.crawlTimeoutMs ?? 300_000,
    pollIntervalMs: options.pollIntervalMs ?? 2_000,
  };
  return defineTool({
    name: "web_search",
    description: DESCRIPTION,
    input,
    concurrencySafe: true,
    async execute(args, ctx) {
      const mode = args.mode ?? (args.url !== undefined ? "scrape" : "search");
      const turn = toAbortSignal(ctx.signal);
      const span = ctx.logger.span("web_search.execute", { mode });
      try {
        const text = await run(mode, args, turn, { ...settings, client: await connect() });
        span.end();
        return text;
      } catch (err) {
        span.end({ error: err });
        throw toFailure(err, turn, requestTimeoutMs, options.secrets ?? []);
      }
    },
  });
}

type Settings = Omit<WebSearchToolOptions, "client"> & {
  client: FirecrawlLike;
  requestTimeoutMs: number;
  crawlTimeoutMs: number;
  pollIntervalMs: number;
};

async function run(
  mode: NonNullable<Args["mode"]>,
  args: Args,
  turn: AbortSignal,
  settings: Settings,
): Promise<string> {
  const { client } = settings;
  const request = <T>(promise: () => Promise<T>): Promise<T> =>
    raceAbort(promise(), withTimeout(turn, settings.requestTimeoutMs));
  if (mode === "search") {
    const query = args.query ?? usage("search needs a query.");
    const data = await request(() =>
      client.search(query, {
        limit: Math.min(args.limit ?? 5, 10),
        ...(args.country ? { country: args.country.toUpperCase() } : {}),
        ...(args.scrape ? { scrapeOptions: { formats: ["markdown"], onlyMainContent: true } } : {}),
        timeout: settings.requestTimeoutMs,
      }),
    );
    return formatSearch(query, data);
  }
  const url = checkUrl(args.url ?? usage(`${mode} needs a url.`), settings.allowPrivateUrls ?? false);
  if (mode === "scrape") {
    const page = await request(() =>
      client.scrape(url, {
        formats: [args.format],
        onlyMainContent: true,
        timeout: settings.requestTimeoutMs,
        autoResume: false,
      }),
    );
    return formatPage(url, page, args.format);
  }
  if (mode === "map") {
    const data = await request(() =>
      client.map(url, {
        limit: args.limit ?? 100,
        ...(args.query ? { search: args.query } : {}),
        timeout: settings.requestTimeoutMs,
      }),
    );
    return formatMap(url, data);
  }
  return crawl(url, Math.min(args.limit ?? 3, 10), turn, settings, request);
}

async function crawl(
  url: string,
  limit: number,
  turn: AbortSignal,
  settings: Settings,
  request: <T>(promise: () => Promise<T>) => Promise<T>,
): Promise<string> {
  const { client } = settings;
  const started = await request(() =>
    client.startCrawl(url, { limit, scrapeOptions: { formats: ["markdown"], onlyMainContent: true } }),
  );
  const deadline = withTimeout(turn, settings.crawlTimeoutMs);
  try {
    for (;;) {
      const job = await request(() => client.getCrawlStatus(started.id, { autoPaginate: true }));
      if (job.status !== "scraping") return formatCrawl(url, job);
      await sleep(settings.pollIntervalMs, deadline);
      if (turn.aborted) throw turn.reason;
      if (deadline.aborted) {
        const partial = await request(() => client.getCrawlStatus(started.id, { autoPaginate: true }));
        void client.cancelCrawl(started.id).catch(() => undefined);
        return `${formatCrawl(url, partial)}\n\n[The crawl did not finish within ${duration(settings.crawlTimeoutMs)} and was cancelled; these are the pages it had.]`;
      }
    }
  } catch (err) {
    void client.cancelCrawl(started.id).catch(() => undefined);
    throw err;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function duration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1_000)} s`;
}

function usage(message: string): never {
  throw new ToolFailure("BAD_ARGUMENTS", `Invalid arguments for web_search: ${message}`);
}

/** A model-readable failure for anything the call threw. */
function toFailure(
  err: unknown,
  turn: AbortSignal,
  timeoutMs: number,
  secrets: readonly string[],
): ToolFailure {
  if (err instanceof ToolFailure) return err;
  if (turn.aborted) return new ToolFailure("ABORTED", "web_search was aborted.");
  if (err instanceof DOMException && err.name === "TimeoutError") {
    return new ToolFailure(
      "TIMEOUT",
      `Firecrawl did not answer within ${duration(timeoutMs)}. Try again later or ask for less.`,
    );
  }
  const status = typeof err === "object" && err !== null && "status" in err ? Number(err.status) : undefined;
  let message = err instanceof Error ? err.message : String(err);
  for (const secret of secrets) if (secret !== "") message = message.replaceAll(secret, "[redacted]");
  const hint =
    status === 401 || status === 403
      ? " The Firecrawl API key is missing or invalid; tell the user."
      : status === 429
        ? " Rate limited; wait before trying again."
        : "";
  return new ToolFailure(
    "FIRECRAWL_ERROR",
    `web_search failed${status && Number.isFinite(status) ? ` (HTTP ${status})` : ""}: ${message}.${hint}`,
  );
}
