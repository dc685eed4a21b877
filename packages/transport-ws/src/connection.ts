/**
 * One client connection: its authentication state, what it watches (surface keys, conversations),
 * and a bounded send path. A client whose unsent data passes the limit is disconnected with 1013
 * and a reason instead of buffering without end or slowing the fan-out to everyone else.
 */
import type { Dispose, Logger } from "@dispatch/kernel";
import type { WsServerMessage } from "./protocol.ts";

/** The slice of a server socket a connection uses (Bun's `ServerWebSocket` satisfies it). */
export interface Peer {
  /** Bytes sent, -1 when queued under backpressure, 0 when dropped. */
  send(text: string): number;
  getBufferedAmount(): number;
  close(code?: number, reason?: string): void;
}

/** Counters shared by every connection of a server. */
export interface SendStats {
  /** The most bytes ever waiting for one client. */
  peakBufferedBytes: number;
  /** Clients disconnected for reading too slowly. */
  slowConsumersCut: number;
}

/** A connected client. */
export interface Connection {
  readonly id: number;
  /** False until the token is checked (immediately true when auth is off or the upgrade had it). */
  authenticated: boolean;
  readonly closed: boolean;
  /** Surface subscription keys this client holds. */
  readonly surfaceKeys: Set<string>;
  /** Conversation watches: id → unsubscribe. */
  readonly chats: Map<string, Dispose>;
  send(message: WsServerMessage): void;
  /** Sends an already serialized message. */
  sendText(text: string): void;
  /** Closes with a code and a short reason (truncated to the 123 bytes a close frame holds). */
  close(code: number, reason: string): void;
  /** Marks the socket gone (after its close event); further sends are dropped. */
  markClosed(): void;
}

/** What a connection needs. */
export interface ConnectionOptions {
  id: number;
  peer: Peer;
  authenticated: boolean;
  maxBufferedBytes: number;
  stats: SendStats;
  logger: Logger;
}

/** Close codes the server uses. */
export const CLOSE = {
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  tryAgainLater: 1013,
} as const;

/** Creates the connection state for a freshly opened socket. */
export function createConnection(options: ConnectionOptions): Connection {
  const { peer, stats, maxBufferedBytes, logger } = options;
  let closed = false;

  const connection: Connection = {
    id: options.id,
    authenticated: options.authenticated,
    get closed() {
      return closed;
    },
    surfaceKeys: new Set(),
    chats: new Map(),
    send(message) {
      if (!closed) connection.sendText(JSON.stringify(message));
    },
    sendText(text) {
      if (closed) return;
      const result = peer.send(text);
      const buffered = peer.getBufferedAmount();
      if (buffered > stats.peakBufferedBytes) stats.peakBufferedBytes = buffered;
      if (result !== 0 && buffered <= maxBufferedBytes) return;
      stats.slowConsumersCut += 1;
      logger.warn("disconnecting a client that reads too slowly", { connection: options.id, buffered });
      connection.close(
        CLOSE.tryAgainLater,
        `slow consumer: over ${maxBufferedBytes} bytes unsent; reconnect and resync`,
      );
    },
    close(code, reason) {
      if (closed) return;
      closed = true;
      try {
        peer.close(code, truncate(reason, 123));
      } catch (err) {
        logger.debug("closing a socket failed", { connection: options.id, error: String(err) });
      }
    },
    markClosed() {
      closed = true;
    },
  };
  return connection;
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncate(text: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= maxBytes) return text;
  let out = "";
  for (const char of text) {
    if (encoder.encode(`${out}${char}…`).length > maxBytes) break;
    out += char;
  }
  return `${out}…`;
}
