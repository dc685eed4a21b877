/**
 * The `youtube_transcript` tool: asks the configured transcriber service for a video's transcript
 * and reports its state (completed, queued, processing, failed). Requests are bounded by a timeout
 * combined with the turn's abort signal.
 */
import type { Tool } from "@dispatch/kernel";
import { defineTool, ToolFailure, withTimeout } from "@dispatch/tool-kit";
import { z } from "zod";
import { formatResponse, transcriptResponse } from "./transcriber.ts";
import { videoId } from "./video-url.ts";

/** What `createYoutubeTranscriptTool` needs. */
export interface YoutubeTranscriptToolOptions {
  /** Base URL of the transcriber service. */
  serviceUrl: string;
  /** Per request; defaults to 30 s. */
  timeoutMs?: number;
  /** Wall clock, for the queued estimate. */
  now?: () => number;
}

const input = z.object({
  url: z.string().min(1).describe("A YouTube video URL (watch?v=, youtu.be/, embed/, shorts/)."),
});

/** The `youtube_transcript` tool. */
export function createYoutubeTranscriptTool(options: YoutubeTranscriptToolOptions): Tool {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const now = options.now ?? Date.now;
  const base = options.serviceUrl.replace(/\/+$/, "");
  return defineTool({
    name: "youtube_transcript",
    description: `Get the transcript of a YouTube video, with timestamps.
New videos are transcribed in a queue: if the result says it is not ready, call again with the same URL after the estimated time.`,
    input,
    concurrencySafe: true,
    async execute(args, ctx) {
      if (videoId(args.url) === undefined) {
        throw new ToolFailure(
          "BAD_URL",
          `"${args.url}" is not a YouTube video URL. Give one like https://www.youtube.com/watch?v=<id> or https://youtu.be/<id>.`,
        );
      }
      const signal = withTimeout(ctx.signal, timeoutMs);
      let response: Response;
      try {
        response = await fetch(`${base}/api/transcript?url=${encodeURIComponent(args.url)}`, {
          headers: { accept: "application/json" },
          signal,
        });
      } catch (err) {
        if (ctx.signal.aborted) throw new ToolFailure("ABORTED", "youtube_transcript was aborted.");
        if (signal.aborted) {
          throw new ToolFailure(
            "TIMEOUT",
            `The transcriber did not answer within ${timeoutMs} ms. Try again later.`,
          );
        }
        throw new ToolFailure(
          "UNREACHABLE",
          `The transcriber service is unreachable (${String(err)}). Tell the user.`,
        );
      }
      const body = await response.text().catch(() => "");
      if (!response.ok) {
        throw new ToolFailure(
          "TRANSCRIBER_ERROR",
          `The transcriber answered HTTP ${response.status}${body ? `: ${body.slice(0, 500)}` : ""}.`,
        );
      }
      const parsed = transcriptResponse.safeParse(safeJson(body));
      if (!parsed.success) {
        throw new ToolFailure(
          "TRANSCRIBER_ERROR",
          "The transcriber sent a response this tool does not understand.",
        );
      }
      return formatResponse(args.url, parsed.data, now());
    },
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
