/**
 * The transcriber service's wire format (reference §6.6): `GET <service>/api/transcript?url=…`
 * answers `completed` (text and timestamped segments), `queued` or `processing` (queue position
 * and an estimate), or `failed`. Validated with zod where it enters, then formatted for the model.
 */
import { capHead, DEFAULT_MAX_OUTPUT_CHARS } from "@dispatch/tool-kit";
import { z } from "zod";

const segment = z.object({ text: z.string(), start: z.number(), duration: z.number() });

/** A transcriber response. */
export const transcriptResponse = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("completed"),
    video_id: z.string(),
    full_text: z.string(),
    segments: z.array(segment),
  }),
  z.object({
    status: z.enum(["queued", "processing"]),
    video_id: z.string(),
    position: z.number(),
    estimated_seconds: z.number(),
  }),
  z.object({
    status: z.literal("failed"),
    video_id: z.string(),
    error: z.string(),
    error_type: z.string(),
  }),
]);

/** A parsed transcriber response. */
export type TranscriptResponse = z.output<typeof transcriptResponse>;

/** `m:ss` (minutes uncapped). */
export function formatTimestamp(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  return `${m}:${String(s).padStart(2, "0")}`;
}

/** The tool result for a response. `now` dates the estimate of a queued job. */
export function formatResponse(
  url: string,
  response: TranscriptResponse,
  now: number,
): { content: string; isError?: boolean } {
  if (response.status === "completed") {
    const lines = [`Transcript of ${url} (video ${response.video_id}):`, ""];
    if (response.segments.length === 0) lines.push(response.full_text.trim());
    for (const part of response.segments) lines.push(`[${formatTimestamp(part.start)}] ${part.text.trim()}`);
    return { content: capHead(lines.join("\n"), DEFAULT_MAX_OUTPUT_CHARS) };
  }
  if (response.status === "failed") {
    return {
      content: `The transcription of ${url} failed (${response.error_type}): ${response.error}`,
      isError: true,
    };
  }
  const seconds = Math.max(0, Math.ceil(response.estimated_seconds));
  const at = new Date(now + seconds * 1000).toISOString();
  return {
    content: `The transcript of ${url} is not ready yet (status: ${response.status}, queue position ${response.position}). Estimated ready in about ${seconds} s (at ${at}). Call youtube_transcript again with the same URL after that.`,
  };
}
