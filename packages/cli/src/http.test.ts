/**
 * The HTTP client against a real local server: falling back to the next server when one refuses
 * connections, trying each found token on 401, mapping statuses to exit codes, and short-id
 * resolution through `GET /conversations?q=`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError } from "./errors.ts";
import { createHttpClient, type HttpClient } from "./http.ts";
import { matchId, resolveConversationId, resolveOrNewConversationId } from "./resolve-id.ts";
import { freePort } from "./test-daemon.ts";
import type { TokenSearch } from "./token.ts";

const IDS = ["abc-1", "abc-2", "xyz"];

let server: ReturnType<typeof Bun.serve>;
beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      if (req.headers.get("authorization") !== "Bearer good")
        return Response.json({ error: "Missing or wrong token." }, { status: 401 });
      if (url.pathname === "/conversations") {
        const q = url.searchParams.get("q") ?? "";
        const conversations = IDS.filter((id) => id.startsWith(q)).map((id) => ({ id }));
        return Response.json({ conversations });
      }
      if (url.pathname === "/bad")
        return Response.json({ error: "message: must be a non-empty string" }, { status: 400 });
      if (url.pathname === "/boom") return Response.json({ error: "disk full" }, { status: 500 });
      if (url.pathname === "/html") return new Response("<html>hello</html>");
      return Response.json({ error: `No route ${req.method} ${url.pathname}.` }, { status: 404 });
    },
  });
});
afterAll(async () => {
  await server.stop(true);
});

const tokens = (...values: string[]): TokenSearch => ({
  candidates: values.map((token, i) => ({ token, source: `/place${i}/token` })),
  looked: values.map((_, i) => ({ source: `/place${i}/token`, outcome: "found" as const })),
});

function client(search: TokenSearch, urls = [`http://127.0.0.1:${server.port}`]): HttpClient {
  return createHttpClient({ servers: urls.map((url) => ({ url, source: "test" })), tokens: search, fetch });
}

async function failure(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error("expected a CliError");
}

describe("the HTTP client", () => {
  it("moves on to the next server when one refuses connections", async () => {
    const live = `http://127.0.0.1:${server.port}`;
    const http = client(tokens("good"), [`http://127.0.0.1:${freePort()}`, live]);
    await http.json("GET", "/conversations");
    expect(http.baseUrl()).toBe(live);
  });

  it("tries each found token until one is accepted", async () => {
    const http = client(tokens("stale", "good"));
    const body = await http.json<{ conversations: unknown[] }>("GET", "/conversations");
    expect(body.conversations).toHaveLength(3);
    expect(http.tokenSource()).toBe("/place1/token");
  });

  it("fails with exit 4 and the token advice when every token is refused", async () => {
    const error = await failure(client(tokens("stale")).json("GET", "/conversations"));
    expect(error.exitCode).toBe(4);
    expect(error.details.join("\n")).toContain("Tried the token from /place0/token: refused.");
  });

  it("fails with exit 3 naming each URL tried when nothing answers", async () => {
    const port = freePort();
    const error = await failure(client(tokens("good"), [`http://127.0.0.1:${port}`]).json("GET", "/x"));
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain(`http://127.0.0.1:${port}`);
    expect(error.details.join(" ")).toContain("Is the daemon running?");
  });

  it("maps statuses to exit codes with the server's message", async () => {
    const http = client(tokens("good"));
    const bad = await failure(http.json("POST", "/bad", { body: {} }));
    expect([bad.exitCode, bad.message]).toEqual([
      2,
      "the server refused the request: message: must be a non-empty string",
    ]);
    const boom = await failure(http.json("GET", "/boom"));
    expect([boom.exitCode, boom.message]).toEqual([1, "the server failed (500): disk full"]);
    const missing = await failure(http.json("POST", "/conversations/x/queue"));
    expect(missing.message).toBe(
      "this server does not support POST /conversations/x/queue yet (404). Update the daemon to use this command.",
    );
    const html = await failure(http.json("GET", "/html"));
    expect(html.exitCode).toBe(3);
  });
});

describe("short-id resolution", () => {
  it("prefers an exact id, then a unique prefix", () => {
    expect(matchId("abc-1", ["abc-1", "abc-10"])).toEqual({ kind: "exact", id: "abc-1" });
    expect(matchId("x", IDS)).toEqual({ kind: "unique", id: "xyz" });
    expect(matchId("abc", IDS)).toEqual({ kind: "ambiguous", ids: ["abc-1", "abc-2"] });
    expect(matchId("q", IDS)).toEqual({ kind: "none" });
  });

  it("asks the server, and fails with exit 1 for no match or several", async () => {
    const http = client(tokens("good"));
    expect(await resolveConversationId(http, "xy")).toBe("xyz");
    const none = await failure(resolveConversationId(http, "nope"));
    expect([none.exitCode, none.message]).toEqual([
      1,
      `no conversation matches "nope". List them with 'dispatch list --all'.`,
    ]);
    const several = await failure(resolveConversationId(http, "abc"));
    expect(several.message).toBe('"abc" is ambiguous: it matches abc-1, abc-2. Give more characters.');
    expect(await resolveOrNewConversationId(http, "fresh-id")).toBe("fresh-id");
  });
});
