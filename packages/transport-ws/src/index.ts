/**
 * The surface and chat WebSocket transport (`SURFACE_WS_PORT`, default 24205), wire-compatible with
 * the reference system and the `dispatch-web` client, plus the surfaces it contributes for the
 * message queue and the todo list.
 * @module
 */
export { CLOSE } from "./connection.ts";
export { createTransportWsExtension, type TransportWs, transportWsService } from "./extension.ts";
export { DEFAULT_WS_LIMITS, type TransportWsOptions, type WsLimits } from "./options.ts";
export type { AuthMessage, WsClientMessage, WsServerMessage } from "./protocol.ts";
export { TOKEN_PROTOCOL_PREFIX } from "./security.ts";
export type { WsStats } from "./server.ts";
export {
  buildMessageQueueSpec,
  createMessageQueueSurfaceExtension,
  MESSAGE_QUEUE_ENTRY,
} from "./surfaces/message-queue.ts";
export { buildTodoSpec, createTodoSurfaceExtension, TODO_ENTRY } from "./surfaces/todo.ts";
