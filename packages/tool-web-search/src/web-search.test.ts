/**
 * web_search through the real Firecrawl SDK against a local server on 127.0.0.1 speaking
 * Firecrawl's v2 API (search, scrape, map, crawl start/status/cancel): formatting, the API key on
 * the wire but never in results, error mapping, URL policy, caps, and abort/timeout behaviour; and,
 * in a fresh child process, that the SDK is loaded by the first call, not at activation.
 */
import { createHost, nullLogger, type Tool } from "@dispatch/kernel";
import { createTestToolContext } from "@dispatch/tool-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createWebSearchExtension } from "./extension.ts";
import { isPrivateHost } from "./url-policy.ts";

const API_KEY = "fc-test-key-123";

interface Seen {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
  authorization: string | null;
}

let server: ReturnType<typeof Bun.serve>;
let seen: Seen[] = [];
let crawlPolls = 0;
let cancelled: string[] = [];

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status });
}

async function handle(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const body = req.method === "POST" ? ((await req.json()) as Record<string, unknown>) : undefined;
  seen.push({
    method: req.method,
    path: url.pathname,
    body,
    authorization: req.headers.get("authorization"),
  });
  if (req.headers.get("authorization") !== `Bearer ${API_KEY}`) {
    return json({ success: false, error: "Unauthorized: invalid token" }, 401);
  }
  if (url.pathname === "/v2/search") {
    if (body?.query === "slow") await Bun.sleep(3_000);
    if (body?.query === "broken") return json({ success: false, error: "Search engine unavailable" }, 500);
    const web = [
      { url: "https://bun.sh/docs", title: "Bun docs", description: "All about Bun" },
      { url: "https://example.com/b", title: "Second", description: "Another hit" },
    ];
    if (body?.scrapeOptions) {
      return json({
        success: true,
        data: {
          web: web.map((w) => ({
            markdown: `# ${w.title}\nPage body of ${w.url}`,
            metadata: { ...w, sourceURL: w.url },
          })),
        },
      });
    }
    return json({ success: true, data: { web } });
  }
  if (url.pathname === "/v2/scrape") {
    const huge = String(body?.url).includes("huge");
    return json({
      success: true,
      data: {
        markdown: huge ? "x".repeat(80_000) : "# Hello\nSome **content**.",
        metadata: { title: "Hello page", sourceURL: body?.url, statusCode: 200 },
      },
    });
  }
  if (url.pathname === "/v2/map") {
    return json({
      success: true,
      links: [{ url: "https://example.com/", title: "Home" }, "https://example.com/about"],
    });
  }
  if (url.pathname === "/v2/crawl" && req.method === "POST") {
    return json({
      success: true,
      id: String(body?.url).includes("endless") ? "crawl-endless" : "crawl-1",
      url: "x",
    });
  }
  if (url.pathname.startsWith("/v2/crawl/") && req.method === "DELETE") {
    cancelled.push(url.pathname.slice("/v2/crawl/".length));
    return json({ status: "cancelled" });
  }
  if (url.pathname === "/v2/crawl/crawl-1") {
    crawlPolls++;
    if (crawlPolls < 3) return json({ success: true, status: "scraping", completed: 0, total: 2, data: [] });
    return json({
      success: true,
      status: "completed",
      completed: 2,
      total: 2,
      data: [
        { markdown: "Page one text", metadata: { title: "One", sourceURL: "https://example.com/1" } },
        { markdown: "Page two text", metadata: { title: "Two", sourceURL: "https://example.com/2" } },
      ],
    });
  }
  if (url.pathname === "/v2/crawl/crawl-endless") {
    return json({ success: true, status: "scraping", completed: 0, total: 5, data: [] });
  }
  return json({ success: false, error: `no route ${url.pathname}` }, 404);
}

beforeAll(() => {
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handle });
});
afterAll(() => {
  server.stop(true);
});
beforeEach(() => {
  seen = [];
  crawlPolls = 0;
  cancelled = [];
});

async function webSearch(
  options: { apiKey?: string; requestTimeoutMs?: number; crawlTimeoutMs?: number } = {},
) {
  const host = createHost({
    extensions: [
      createWebSearchExtension({
        apiUrl: `http://127.0.0.1:${server.port}`,
        apiKey: options.apiKey ?? API_KEY,
        pollIntervalMs: 20,
        ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
        ...(options.crawlTimeoutMs ? { crawlTimeoutMs: options.crawlTimeoutMs } : {}),
      }),
    ],
    logger: nullLogger,
    now: Date.now,
    sleep: (ms) => Bun.sleep(ms),
  });
  await host.activate();
  const tool = host.api.tool("web_search");
  if (tool === undefined) throw new Error("web_search not registered");
  return tool;
}

function run(tool: Tool, args: Record<string, unknown>, ctx = createTestToolContext()) {
  return tool.execute(args, ctx);
}

describe("web_search", () => {
  it("loads the Firecrawl SDK on the first call, not at activation (fresh process)", async () => {
    // `require.cache` lists every module Bun has evaluated, ES modules included.
    const script = `
      const { createHost, nullLogger } = await import("@dispatch/kernel");
      const { createTestToolContext } = await import("@dispatch/tool-kit/testing");
      const { createWebSearchExtension } = await import(${JSON.stringify(`${import.meta.dir}/extension.ts`)});
      const loaded = () => Object.keys(require.cache).some((path) => path.includes("firecrawl-js"));
      const extension = createWebSearchExtension({ apiUrl: "http://127.0.0.1:${server.port}", apiKey: "${API_KEY}" });
      const host = createHost({ extensions: [extension], logger: nullLogger, now: Date.now, sleep: Bun.sleep });
      await host.activate();
      const atActivation = loaded();
      const result = await host.api.tool("web_search").execute({ query: "bun" }, createTestToolContext());
      console.log(JSON.stringify({ atActivation, afterCall: loaded(), content: result.content }));
      process.exit(0); // the SDK's keep-alive connection would hold the process open
    `;
    const child = Bun.spawn([process.execPath, "-e", script], { cwd: import.meta.dir, stderr: "pipe" });
    const [out, err, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    const report = JSON.parse(out) as { atActivation: boolean; afterCall: boolean; content: string };
    expect(report).toMatchObject({ atActivation: false, afterCall: true });
    expect(report.content).toContain("1. Bun docs");
  });

  it("searches and lists numbered results, sending the key as a bearer token", async () => {
    const tool = await webSearch();
    const result = await run(tool, { query: "bun runtime", limit: 2, country: "de" });
    expect(result.content).toBe(
      'Search results for "bun runtime" (2):\n\n1. Bun docs\n   https://bun.sh/docs\n   All about Bun\n\n2. Second\n   https://example.com/b\n   Another hit',
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "POST", path: "/v2/search", authorization: `Bearer ${API_KEY}` });
    expect(seen[0]?.body).toMatchObject({ query: "bun runtime", limit: 2, country: "DE" });
  });

  it("includes page content when search scrapes", async () => {
    const result = await run(await webSearch(), { query: "bun", scrape: true });
    expect(result.content).toContain(
      "1. Bun docs\n   https://bun.sh/docs\n   All about Bun\n\n# Bun docs\nPage body of https://bun.sh/docs",
    );
    expect(seen[0]?.body).toMatchObject({ scrapeOptions: { formats: ["markdown"], onlyMainContent: true } });
  });

  it("scrapes a page (mode inferred from url) and caps huge pages", async () => {
    const tool = await webSearch();
    expect((await run(tool, { url: "https://example.com/page" })).content).toBe(
      "# Hello page\nURL: https://example.com/page\n\n# Hello\nSome **content**.",
    );
    expect(seen[0]?.body).toMatchObject({ url: "https://example.com/page", formats: ["markdown"] });
    const huge = await run(tool, { url: "https://example.com/huge" });
    expect(huge.content.length).toBeLessThan(50_200);
    expect(huge.content).toContain("more characters not shown");
  });

  it("maps a site", async () => {
    const result = await run(await webSearch(), { mode: "map", url: "example.com" });
    expect(result.content).toBe(
      "2 URL(s) on https://example.com/:\nhttps://example.com/ — Home\nhttps://example.com/about",
    );
  });

  it("crawls, polling until the job completes", async () => {
    const result = await run(await webSearch(), { mode: "crawl", url: "https://example.com", limit: 2 });
    expect(result.content).toContain("Crawl of https://example.com/: 2 page(s).");
    expect(result.content).toContain("## 1. One\nURL: https://example.com/1\n\nPage one text");
    expect(crawlPolls).toBe(3);
    expect(seen.find((s) => s.path === "/v2/crawl")?.body).toMatchObject({ limit: 2 });
  });

  it("returns a crawl's partial pages when it runs past its time limit, and cancels it", async () => {
    const result = await run(await webSearch({ crawlTimeoutMs: 100 }), {
      mode: "crawl",
      url: "https://endless.example",
    });
    expect(result.content).toContain("did not finish within 100 ms and was cancelled");
    await Bun.sleep(50);
    expect(cancelled).toEqual(["crawl-endless"]);
  });

  it("answers promptly when the turn aborts mid-request, and cancels a running crawl", async () => {
    const tool = await webSearch();
    const ctx = createTestToolContext();
    const pending = run(tool, { query: "slow" }, ctx);
    await Bun.sleep(50);
    const abortedAt = performance.now();
    ctx.controller.abort();
    const result = await pending;
    expect(performance.now() - abortedAt).toBeLessThan(500);
    expect(result).toEqual({ content: "web_search was aborted.", isError: true });

    const crawlCtx = createTestToolContext();
    const crawling = run(tool, { mode: "crawl", url: "https://endless.example" }, crawlCtx);
    await Bun.sleep(60);
    crawlCtx.controller.abort();
    expect((await crawling).content).toBe("web_search was aborted.");
    await Bun.sleep(50);
    expect(cancelled).toEqual(["crawl-endless"]);
  });

  it("times out a request that takes too long", async () => {
    const result = await run(await webSearch({ requestTimeoutMs: 100 }), { query: "slow" });
    expect(result).toEqual({
      content: "Firecrawl did not answer within 100 ms. Try again later or ask for less.",
      isError: true,
    });
  });

  it("reports Firecrawl errors without the API key, with a hint", async () => {
    const wrongKey = "fc-wrong-key-999";
    const unauthorized = await run(await webSearch({ apiKey: wrongKey }), { query: "x" });
    expect(unauthorized.isError).toBe(true);
    expect(unauthorized.content).toContain("(HTTP 401): Unauthorized: invalid token");
    expect(unauthorized.content).toContain("API key is missing or invalid");
    expect(unauthorized.content).not.toContain(wrongKey);
    const broken = await run(await webSearch(), { query: "broken" });
    expect(broken.content).toContain("(HTTP 500): Search engine unavailable");
  });

  it("refuses private, local and non-http URLs, and calls without a target", async () => {
    const tool = await webSearch();
    for (const url of [
      "http://127.0.0.1:8080/admin",
      "http://169.254.169.254/latest/meta-data",
      "http://localhost/",
      "http://[::1]/",
      "http://10.1.2.3/",
    ]) {
      const result = await run(tool, { url });
      expect(result.content).toContain("local or private-network address");
    }
    expect((await run(tool, { url: "file:///etc/passwd" })).content).toContain("Only http and https URLs");
    expect((await run(tool, {})).content).toContain("search needs a query");
    expect((await run(tool, { mode: "crawl" })).content).toContain("crawl needs a url");
    expect(seen).toEqual([]);
  });
});

describe("isPrivateHost", () => {
  it("knows public from private", () => {
    expect(isPrivateHost("example.com")).toBe(false);
    expect(isPrivateHost("8.8.8.8")).toBe(false);
    expect(isPrivateHost("172.32.0.1")).toBe(false);
    expect(isPrivateHost("172.16.0.1")).toBe(true);
    expect(isPrivateHost("192.168.1.1")).toBe(true);
    expect(isPrivateHost("printer.local")).toBe(true);
    expect(isPrivateHost("[fd00::1]")).toBe(true);
  });
});
