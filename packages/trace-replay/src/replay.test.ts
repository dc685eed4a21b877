/**
 * `replayFetch`: recorded bodies come back in `chunkBytes` pieces (one per read), requests are
 * captured verbatim, fixtures are served in order, and aborts and null-body statuses behave like
 * real fetch.
 */
import { describe, expect, it } from "vitest";
import type { HttpExchangeFixture } from "./fixture.ts";
import { replayFetch } from "./replay.ts";

function fixture(body: string, status = 200): HttpExchangeFixture {
  return {
    request: { method: "POST", url: "http://x.test/v1/chat/completions", headers: {}, body: "{}" },
    response: { status, headers: { "content-type": "text/event-stream" }, body },
  };
}

async function reads(response: Response): Promise<string[]> {
  const pieces: string[] = [];
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    pieces.push(decoder.decode(next.value, { stream: true }));
  }
  return pieces;
}

describe("replayFetch", () => {
  it("streams the body in chunkBytes pieces and captures the request", async () => {
    const replay = replayFetch(fixture('data: {"a":1}\n\ndata: [DONE]\n\n'), { chunkBytes: 7 });
    const res = await replay.fetch("http://x.test/v1/chat/completions", {
      method: "POST",
      headers: { Authorization: "Bearer k" },
      body: '{"model":"m"}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const pieces = await reads(res);
    expect(pieces.join("")).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
    expect(pieces.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    expect(pieces).toHaveLength(5);
    expect(replay.requests).toEqual([
      {
        method: "POST",
        url: "http://x.test/v1/chat/completions",
        headers: { authorization: "Bearer k" },
        body: '{"model":"m"}',
      },
    ]);
  });

  it("serves fixtures in order and rejects once they run out", async () => {
    const replay = replayFetch([fixture("first"), fixture("second")]);
    expect(await (await replay.fetch("http://x.test/a")).text()).toBe("first");
    expect(await (await replay.fetch("http://x.test/b")).text()).toBe("second");
    await expect(replay.fetch("http://x.test/c")).rejects.toThrow(
      "no recorded exchange left for GET http://x.test/c",
    );
  });

  it("answers a 204 with a null body", async () => {
    const res = await replayFetch(fixture("", 204)).fetch("http://x.test/");
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
  });

  it("rejects an aborted call and errors the body when aborted mid-read", async () => {
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      replayFetch(fixture("x")).fetch("http://x.test/", { signal: aborted.signal }),
    ).rejects.toThrow();

    const controller = new AbortController();
    const res = await replayFetch(fixture("abcdefgh"), { chunkBytes: 2 }).fetch("http://x.test/", {
      signal: controller.signal,
    });
    const reader = res.body?.getReader();
    expect((await reader?.read())?.done).toBe(false);
    controller.abort();
    await expect(reader?.read()).rejects.toThrow();
  });
});
