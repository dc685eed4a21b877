/**
 * Record and replay HTTP exchanges for hermetic provider tests: `recordFetch` captures (redacted)
 * fixtures from a live server, `replayFetch` serves them back in small chunks.
 * @module
 */
export { type HttpExchangeFixture, loadFixture, parseFixture, saveFixture } from "./fixture.ts";
export { type FetchLike, REDACTED, type RecordFetchOptions, recordFetch, redactSecrets } from "./record.ts";
export { type CapturedRequest, chunked, type Replay, type ReplayOptions, replayFetch } from "./replay.ts";
