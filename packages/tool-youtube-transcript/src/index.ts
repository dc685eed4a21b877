/**
 * tool-youtube-transcript: the `youtube_transcript` tool and its extension.
 * @module
 */
export { createYoutubeTranscriptExtension, type YoutubeTranscriptExtensionOptions } from "./extension.ts";
export {
  formatResponse,
  formatTimestamp,
  type TranscriptResponse,
  transcriptResponse,
} from "./transcriber.ts";
export { videoId } from "./video-url.ts";
export { createYoutubeTranscriptTool, type YoutubeTranscriptToolOptions } from "./youtube-transcript-tool.ts";
