/**
 * youtube_transcript against a fake transcriber service on 127.0.0.1: the completed, queued,
 * processing and failed states, service errors, URL validation, timeout and abort, and the
 * extension offering the tool only when a service is configured.
 */
import { createHost, nullLogger } from "@dispatch/kernel";
import { createTestToolContext } from "@dispatch/tool-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createYoutubeTranscriptExtension } from "./extension.ts";
import { videoId } from "./video-url.ts";
import { createYoutubeTranscriptTool } from "./youtube-transcript-tool.ts";

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);
let server: ReturnType<typeof Bun.serve>;
const requested: string[] = [];

/** Each video id selects a canned answer. */
const answers: Record<string, () => Response | Promise<Response>> = {
  aaaaaaaaaaa: () =>
    Response.json({
      status: "completed",
      video_id: "aaaaaaaaaaa",
      full_text: "Hello there. General Kenobi.",
      segments: [
        { text: "Hello there.", start: 1.2, duration: 2 },
        { text: "General Kenobi.", start: 65.9, duration: 3 },
      ],
    }),
  qqqqqqqqqqq: () =>
    Response.json({ status: "queued", video_id: "qqqqqqqqqqq", position: 3, estimated_seconds: 119.2 }),
  ppppppppppp: () =>
    Response.json({ status: "processing", video_id: "ppppppppppp", position: 0, estimated_seconds: 30 }),
  fffffffffff: () =>
    Response.json({
      status: "failed",
      video_id: "fffffffffff",
      error: "Video is private",
      error_type: "unavailable",
    }),
  eeeeeeeeeee: () => new Response("boom", { status: 503 }),
  ggggggggggg: () => Response.json({ status: "weird" }),
  sssssssssss: async () => {
    await Bun.sleep(3_000);
    return Response.json({ status: "queued", video_id: "sssssssssss", position: 1, estimated_seconds: 1 });
  },
};

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      if (url.pathname !== "/api/transcript") return new Response("not found", { status: 404 });
      const video = url.searchParams.get("url") ?? "";
      requested.push(video);
      const id = videoId(video) ?? "";
      return answers[id]?.() ?? new Response("unknown", { status: 404 });
    },
  });
});
afterAll(() => {
  server.stop(true);
});

function tool(timeoutMs?: number) {
  return createYoutubeTranscriptTool({
    serviceUrl: `http://127.0.0.1:${server.port}/`,
    now: () => NOW,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

describe("youtube_transcript", () => {
  it("returns a completed transcript with timestamps", async () => {
    const result = await tool().execute(
      { url: "https://www.youtube.com/watch?v=aaaaaaaaaaa&t=4" },
      createTestToolContext(),
    );
    expect(result).toEqual({
      content:
        "Transcript of https://www.youtube.com/watch?v=aaaaaaaaaaa&t=4 (video aaaaaaaaaaa):\n\n[0:01] Hello there.\n[1:05] General Kenobi.",
    });
    expect(requested.at(-1)).toBe("https://www.youtube.com/watch?v=aaaaaaaaaaa&t=4");
  });

  it("reports queued and processing jobs with an estimate, as non-errors", async () => {
    const queued = await tool().execute({ url: "https://youtu.be/qqqqqqqqqqq" }, createTestToolContext());
    expect(queued).toEqual({
      content:
        "The transcript of https://youtu.be/qqqqqqqqqqq is not ready yet (status: queued, queue position 3). Estimated ready in about 120 s (at 2026-01-02T03:06:05.000Z). Call youtube_transcript again with the same URL after that.",
    });
    const processing = await tool().execute(
      { url: "youtube.com/shorts/ppppppppppp" },
      createTestToolContext(),
    );
    expect(processing.content).toContain("(status: processing, queue position 0)");
    expect(processing.isError).toBeUndefined();
  });

  it("reports failed transcriptions and service errors as errors", async () => {
    const failed = await tool().execute(
      { url: "https://www.youtube.com/embed/fffffffffff" },
      createTestToolContext(),
    );
    expect(failed).toEqual({
      content:
        "The transcription of https://www.youtube.com/embed/fffffffffff failed (unavailable): Video is private",
      isError: true,
    });
    const down = await tool().execute({ url: "https://youtu.be/eeeeeeeeeee" }, createTestToolContext());
    expect(down).toEqual({ content: "The transcriber answered HTTP 503: boom.", isError: true });
    const weird = await tool().execute({ url: "https://youtu.be/ggggggggggg" }, createTestToolContext());
    expect(weird.content).toContain("does not understand");
  });

  it("refuses URLs that are not YouTube videos without calling the service", async () => {
    const before = requested.length;
    for (const url of [
      "https://vimeo.com/123",
      "https://www.youtube.com/watch?v=short",
      "ftp://youtu.be/aaaaaaaaaaa",
    ]) {
      const result = await tool().execute({ url }, createTestToolContext());
      expect(result.content).toContain("is not a YouTube video URL");
    }
    expect(requested.length).toBe(before);
  });

  it("times out, and answers promptly when the turn aborts", async () => {
    const slow = await tool(100).execute({ url: "https://youtu.be/sssssssssss" }, createTestToolContext());
    expect(slow).toEqual({
      content: "The transcriber did not answer within 100 ms. Try again later.",
      isError: true,
    });
    const ctx = createTestToolContext();
    const pending = tool().execute({ url: "https://youtu.be/sssssssssss" }, ctx);
    await Bun.sleep(50);
    ctx.controller.abort();
    expect(await pending).toEqual({ content: "youtube_transcript was aborted.", isError: true });
  });

  it("says when the service is unreachable", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = closed.port;
    closed.stop(true);
    const unreachable = createYoutubeTranscriptTool({ serviceUrl: `http://127.0.0.1:${port}` });
    const result = await unreachable.execute(
      { url: "https://youtu.be/aaaaaaaaaaa" },
      createTestToolContext(),
    );
    expect(result.content).toContain("The transcriber service is unreachable");
  });
});

describe("createYoutubeTranscriptExtension", () => {
  it("registers the tool only when a service URL is configured", async () => {
    for (const [options, present] of [
      [{ serviceUrl: `http://127.0.0.1:${server.port}` }, true],
      [{}, false],
    ] as const) {
      const host = createHost({
        extensions: [createYoutubeTranscriptExtension(options)],
        logger: nullLogger,
        now: Date.now,
        sleep: (ms) => Bun.sleep(ms),
      });
      await host.activate();
      expect(host.api.tool("youtube_transcript") !== undefined).toBe(present);
      await host.deactivate();
    }
  });
});

describe("videoId", () => {
  it("extracts ids from the usual URL shapes", () => {
    expect(videoId("https://www.youtube.com/watch?v=dQw4w9WgXcQ")).toBe("dQw4w9WgXcQ");
    expect(videoId("https://m.youtube.com/watch?v=dQw4w9WgXcQ&list=x")).toBe("dQw4w9WgXcQ");
    expect(videoId("https://youtu.be/dQw4w9WgXcQ?t=3")).toBe("dQw4w9WgXcQ");
    expect(videoId("https://www.youtube.com/live/dQw4w9WgXcQ")).toBe("dQw4w9WgXcQ");
    expect(videoId("https://www.youtube.com/channel/UCabc")).toBeUndefined();
    expect(videoId("https://evil.com/watch?v=dQw4w9WgXcQ")).toBeUndefined();
  });
});
