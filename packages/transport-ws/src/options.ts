/**
 * What the WebSocket transport is configured with: where to listen, who may connect (the same Host
 * and Origin allow-lists and token as the HTTP API), and the per-connection limits that keep one
 * client from stalling the others or growing the server's memory.
 */

/** Per-connection limits. */
export interface WsLimits {
  /** A text frame over this gets an `error` reply and is dropped; the connection stays open. */
  maxFrameBytes: number;
  /** A frame over this closes the connection with 1009 (the socket refuses to buffer it). */
  hardFrameBytes: number;
  /** Sustained client messages per second (token bucket refill rate). */
  messagesPerSecond: number;
  /** Messages a client may send at once before the rate applies (bucket size). */
  messageBurst: number;
  /** Bytes queued for a client that cannot keep up; past this it is disconnected with 1013. */
  maxBufferedBytes: number;
  /** Time a connection that sent no token on the upgrade has to send `{ type: "auth" }`. */
  authTimeoutMs: number;
  /** Open connections at most; further upgrades get 503. */
  maxConnections: number;
}

/** The defaults: generous for a browser tab, small enough that 500 slow tabs stay under 4 GiB. */
export const DEFAULT_WS_LIMITS: WsLimits = {
  maxFrameBytes: 16 * 1024 * 1024,
  hardFrameBytes: 17 * 1024 * 1024,
  messagesPerSecond: 50,
  messageBurst: 100,
  maxBufferedBytes: 8 * 1024 * 1024,
  authTimeoutMs: 5_000,
  maxConnections: 512,
};

/** Options of `createTransportWsExtension`. */
export interface TransportWsOptions {
  /** The address to bind; loopback unless the operator says otherwise. */
  hostname: string;
  /** `SURFACE_WS_PORT` (default 24205); 0 picks a free port (tests). */
  port: number;
  /** Host names accepted in the `Host` header besides loopback names (`DISPATCH_ALLOWED_HOSTS`). */
  allowedHosts: readonly string[];
  /** Browser origins allowed to connect, exact `scheme://host[:port]` (`DISPATCH_ALLOWED_ORIGINS`). */
  allowedOrigins: readonly string[];
  /** The bearer token; `undefined` turns auth off (`DISPATCH_AUTH=off`). */
  token: string | undefined;
  /** Where the token lives, for messages (e.g. "in ~/.local/share/dispatch/token"). */
  tokenHint?: string;
  /** Overrides of `DEFAULT_WS_LIMITS`. */
  limits?: Partial<WsLimits>;
  /** Called once, on the first accepted connection (the daemon ends its start-up mode then). */
  onFirstConnection?: () => void;
}

/** The limits with defaults filled in; the hard frame cap never sits below the soft one. */
export function resolveLimits(overrides: Partial<WsLimits> = {}): WsLimits {
  const limits = { ...DEFAULT_WS_LIMITS, ...overrides };
  if (limits.hardFrameBytes <= limits.maxFrameBytes) {
    limits.hardFrameBytes = limits.maxFrameBytes + Math.max(1024, Math.floor(limits.maxFrameBytes / 16));
  }
  return limits;
}
