/**
 * The `tool-youtube-transcript` extension: registers `youtube_transcript` when a transcriber
 * service is configured (the host passes `DISPATCH_TRANSCRIBER_URL`); without one the tool is not
 * offered to the model at all.
 */
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { createYoutubeTranscriptTool } from "./youtube-transcript-tool.ts";

/** Options of `createYoutubeTranscriptExtension`. */
export interface YoutubeTranscriptExtensionOptions {
  /** Base URL of the transcriber service; absent disables the tool. */
  serviceUrl?: string;
  /** Per request; defaults to 30 s. */
  timeoutMs?: number;
}

/**
 * The extension registering `youtube_transcript`.
 * @example createYoutubeTranscriptExtension({ serviceUrl: env.DISPATCH_TRANSCRIBER_URL })
 */
export function createYoutubeTranscriptExtension(options: YoutubeTranscriptExtensionOptions = {}): Extension {
  return {
    manifest: {
      id: "tool-youtube-transcript",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: [],
      description: "youtube_transcript: transcripts from a transcriber service, with queue states",
    },
    activate(host) {
      if (!options.serviceUrl) {
        host.logger.info("youtube_transcript disabled: no transcriber service URL configured");
        return;
      }
      host.registerTool(
        createYoutubeTranscriptTool({
          serviceUrl: options.serviceUrl,
          now: host.now,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        }),
      );
    },
  };
}
