/**
 * Readable text for web_search results: numbered search hits, a scraped page, a crawl's pages, a
 * site map. Every result is capped; pages are capped individually so one long page cannot crowd
 * out the others.
 */

import { capHead, DEFAULT_MAX_OUTPUT_CHARS } from "@dispatch/tool-kit";
import type { CrawlJob, Document, MapData, SearchData, SearchResultWeb } from "@mendable/firecrawl-js";

/** Characters kept per page when several pages share one result. */
const PER_PAGE_CHARS = 12_000;

/** Search hits, with scraped content when present. */
export function formatSearch(query: string, data: SearchData): string {
  const hits = data.web ?? [];
  if (hits.length === 0) return `No results for "${query}".`;
  const blocks = hits.map((hit, i) => {
    const { url, title, description, content } = describeHit(hit);
    const lines = [`${i + 1}. ${title ?? url}`, `   ${url}`];
    if (description) lines.push(`   ${description}`);
    if (content) lines.push("", capHead(content.trim(), PER_PAGE_CHARS));
    return lines.join("\n");
  });
  return capHead(
    `Search results for "${query}" (${hits.length}):\n\n${blocks.join("\n\n")}`,
    DEFAULT_MAX_OUTPUT_CHARS,
  );
}

/** One scraped page. */
export function formatPage(url: string, page: Document, format: "markdown" | "html"): string {
  const title = page.metadata?.title;
  const body = (format === "html" ? page.html : page.markdown) ?? "";
  const header = [title ? `# ${title}` : undefined, `URL: ${url}`].filter(Boolean).join("\n");
  return capHead(
    `${header}\n\n${body.trim() === "" ? "(the page has no text content)" : body.trim()}`,
    DEFAULT_MAX_OUTPUT_CHARS,
  );
}

/** The pages of a finished crawl. */
export function formatCrawl(url: string, job: CrawlJob): string {
  const pages = job.data.map((page, i) => {
    const pageUrl = page.metadata?.sourceURL ?? page.metadata?.url ?? "(unknown URL)";
    const title = page.metadata?.title;
    return `## ${i + 1}. ${title ?? pageUrl}\nURL: ${pageUrl}\n\n${capHead((page.markdown ?? "").trim(), PER_PAGE_CHARS)}`;
  });
  const status = job.status === "completed" ? "" : ` (status: ${job.status})`;
  return capHead(
    `Crawl of ${url}${status}: ${job.data.length} page(s).\n\n${pages.join("\n\n")}`,
    DEFAULT_MAX_OUTPUT_CHARS,
  );
}

/** The URLs of a site map. */
export function formatMap(url: string, data: MapData): string {
  if (data.links.length === 0) return `No URLs found on ${url}.`;
  const lines = data.links.map((link) => (link.title ? `${link.url} — ${link.title}` : link.url));
  return capHead(`${data.links.length} URL(s) on ${url}:\n${lines.join("\n")}`, DEFAULT_MAX_OUTPUT_CHARS);
}

function describeHit(hit: SearchResultWeb | Document): {
  url: string;
  title?: string;
  description?: string;
  content?: string;
} {
  if ("url" in hit && typeof hit.url === "string") {
    const web = hit as SearchResultWeb & { markdown?: string };
    return {
      url: web.url,
      ...(web.title ? { title: web.title } : {}),
      ...(web.description ? { description: web.description } : {}),
      ...(web.markdown ? { content: web.markdown } : {}),
    };
  }
  const doc = hit as Document;
  return {
    url: doc.metadata?.sourceURL ?? doc.metadata?.url ?? "(unknown URL)",
    ...(doc.metadata?.title ? { title: doc.metadata.title } : {}),
    ...(doc.metadata?.description ? { description: doc.metadata.description } : {}),
    ...(doc.markdown ? { content: doc.markdown } : {}),
  };
}
