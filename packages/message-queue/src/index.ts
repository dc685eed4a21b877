/**
 * The steering queue: enqueue while a turn runs (injected at the next tool-result boundary as a
 * `steering` event), carried into the next turn after the seal, persisted across restarts.
 * @module
 */
export { createMessageQueueExtension } from "./extension.ts";
export { type EnqueueOutcome, type MessageQueue, messageQueueService, queueChanged } from "./types.ts";
