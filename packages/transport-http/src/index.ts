/**
 * The HTTP transport: hono routes behind the Host/Origin/token/content-type guards, served on
 * loopback by `Bun.serve`.
 * @module
 */
export { type AppDeps, createApp, type DispatchApp } from "./app.ts";
export {
  createTransportHttpExtension,
  type DaemonInfo,
  daemonInfoService,
  type TransportHttp,
  type TransportHttpOptions,
  transportHttpService,
} from "./extension.ts";
export { hostName, type SecurityOptions } from "./security.ts";
