/**
 * The HTTP transport: hono routes behind the Host/Origin/token/content-type guards, served on
 * loopback by `Bun.serve`.
 * @module
 */
export { type AppDeps, createApp, type DispatchApp, LONG_ROUTES } from "./app.ts";
export { createNdjsonWriter, type NdjsonWriter } from "./chat.ts";
export {
  createTransportHttpExtension,
  type DaemonInfo,
  DEFAULT_IDLE_TIMEOUT_SECONDS,
  daemonInfoService,
  type TransportHttp,
  type TransportHttpOptions,
  transportHttpService,
} from "./extension.ts";
export { hostName, type SecurityOptions } from "./security.ts";
