/**
 * The surface and chat WebSocket transport (`SURFACE_WS_PORT`, default 24205), wire-compatible with
 * the reference system and the `dispatch-web` client, plus the surfaces it contributes: the message
 * queue, the todo list, and the cache-warming surface for the extension that will provide warming.
 * @module
 */
export { CLOSE } from "./connection.ts";
export { createTransportWsExtension, type TransportWs, transportWsService } from "./extension.ts";
export { DEFAULT_WS_LIMITS, type TransportWsOptions, type WsLimits } from "./options.ts";
export type { AuthMessage, WsClientMessage, WsServerMessage } from "./protocol.ts";
export { TOKEN_PROTOCOL_PREFIX } from "./security.ts";
export type { WsStats } from "./server.ts";
export {
  buildCacheWarmingSpec,
  CACHE_WARMING_ACTIONS,
  CACHE_WARMING_ENTRY,
  type CacheWarmingControls,
  type CacheWarmingState,
  createCacheWarmingSurface,
  IDLE_CACHE_WARMING,
} from "./surfaces/cache-warming.ts";
export {
  buildMessageQueueSpec,
  createMessageQueueSurfaceExtension,
  MESSAGE_QUEUE_ENTRY,
} from "./surfaces/message-queue.ts";
export { buildTodoSpec, createTodoSurfaceExtension, TODO_ENTRY } from "./surfaces/todo.ts";
