/**
 * The WebSocket server on its own `Bun.serve`: checks each upgrade (Host, Origin, token, connection
 * cap), passes every frame through the connection's intake (rate, size, JSON, auth), and routes
 * valid messages to the surface hub or the chat handler. Any path is accepted; plain HTTP gets 426.
 */
import { errorMessage, type Logger } from "@dispatch/kernel";
import type { ServerWebSocket } from "bun";
import type { ChatHandler } from "./chat.ts";
import { CLOSE, type Connection, createConnection, type SendStats } from "./connection.ts";
import { createFrameIntake, type FrameIntake } from "./intake.ts";
import type { WsLimits } from "./options.ts";
import { errorReply, type WsClientMessage } from "./protocol.ts";
import { createTokenCheck, createUpgradeCheck, type UpgradePolicy } from "./security.ts";
import type { SurfaceHub } from "./surface-hub.ts";

/** What the server needs. */
export interface WsServerOptions {
  hostname: string;
  port: number;
  policy: UpgradePolicy;
  limits: WsLimits;
  surfaces: SurfaceHub;
  chat: ChatHandler;
  logger: Logger;
  /** Milliseconds for the rate limit. Contract: monotonic enough that it never runs backwards by much. */
  now(): number;
  /** Called once, on the first accepted upgrade. */
  onFirstConnection?: () => void;
}

/** Counters for operators and tests. */
export interface WsStats extends SendStats {
  connections: number;
}

/** A listening server. */
export interface WsServer {
  /** `ws://host:port`. */
  readonly url: string;
  /** Sends a serialized message to every authenticated connection. */
  broadcast(text: string): void;
  stats(): WsStats;
  /** Closes the listener; open connections stay. */
  stopAccepting(): void;
  /** Closes every connection with 1001, then the listener. */
  stop(): Promise<void>;
}

interface SocketData {
  /** The upgrade carried a valid token (or auth is off). */
  authenticated: boolean;
  connection?: Connection;
  intake?: FrameIntake;
  authTimer?: ReturnType<typeof setTimeout>;
}

const AUTH_TIMEOUT = 'authentication timed out: send {"type":"auth","token":"…"} first';

/** Starts listening. */
export function startWsServer(options: WsServerOptions): WsServer {
  const { limits, logger, surfaces } = options;
  const checkUpgrade = createUpgradeCheck(options.policy);
  let firstConnection = options.onFirstConnection;
  const tokenMatches = createTokenCheck(options.policy.token);
  const connections = new Set<Connection>();
  const stats: SendStats = { peakBufferedBytes: 0, slowConsumersCut: 0 };
  let nextId = 1;

  function admit(connection: Connection): void {
    connection.authenticated = true;
    connection.sendText(surfaces.catalogMessage());
  }

  function route(connection: Connection, message: Exclude<WsClientMessage, { type: "auth" }>): void {
    if (message.type === "subscribe") void surfaces.subscribe(connection, message);
    else if (message.type === "unsubscribe") surfaces.unsubscribe(connection, message);
    else if (message.type === "invoke") void surfaces.invoke(connection, message);
    else options.chat(connection, message);
  }

  function routeSafely(connection: Connection, message: Exclude<WsClientMessage, { type: "auth" }>): void {
    try {
      route(connection, message);
    } catch (err) {
      logger.error("handling a client message failed", { err, type: message.type });
      const text = `the server failed to handle ${message.type}: ${errorMessage(err)}`;
      if (message.type.startsWith("chat.")) connection.send({ type: "chat.error", message: text });
      else connection.send(errorReply(text));
    }
  }

  function onFrame(data: SocketData, connection: Connection, raw: string | Uint8Array): void {
    const intake = data.intake?.(raw, connection.authenticated) ?? { kind: "drop" };
    switch (intake.kind) {
      case "drop":
        break;
      case "reply":
        connection.send(intake.message);
        break;
      case "close":
        logger.warn("closing a client connection", { connection: connection.id, reason: intake.reason });
        connection.close(intake.code, intake.reason);
        break;
      case "auth":
        clearTimeout(data.authTimer);
        if (tokenMatches(intake.token)) admit(connection);
        else connection.close(CLOSE.policy, "wrong token");
        break;
      case "route":
        if (intake.message.type !== "auth") routeSafely(connection, intake.message);
        break;
    }
  }

  function upgrade(request: Request, srv: Bun.Server<SocketData>): Response | undefined {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: "expected a WebSocket upgrade" }, { status: 426 });
    }
    const verdict = checkUpgrade(request);
    if (!verdict.ok) return Response.json({ error: verdict.error }, { status: verdict.status });
    if (connections.size >= limits.maxConnections) {
      const error = `too many connections (limit ${limits.maxConnections}); retry later`;
      return Response.json({ error }, { status: 503 });
    }
    const data: SocketData = { authenticated: verdict.authenticated };
    const headers =
      verdict.protocol === undefined ? {} : { headers: { "Sec-WebSocket-Protocol": verdict.protocol } };
    if (srv.upgrade(request, { data, ...headers })) {
      if (firstConnection) {
        const notify = firstConnection;
        firstConnection = undefined;
        notify();
      }
      return undefined;
    }
    return Response.json({ error: "WebSocket upgrade failed" }, { status: 400 });
  }

  function onOpen(ws: ServerWebSocket<SocketData>): void {
    const connection = createConnection({
      id: nextId++,
      peer: ws,
      authenticated: false,
      maxBufferedBytes: limits.maxBufferedBytes,
      stats,
      logger,
    });
    ws.data.connection = connection;
    ws.data.intake = createFrameIntake(limits, options.now);
    connections.add(connection);
    logger.debug("client connected", { connection: connection.id, remote: ws.remoteAddress });
    if (ws.data.authenticated) admit(connection);
    else
      ws.data.authTimer = setTimeout(
        () => connection.close(CLOSE.policy, AUTH_TIMEOUT),
        limits.authTimeoutMs,
      );
  }

  function onClose(ws: ServerWebSocket<SocketData>, code: number): void {
    clearTimeout(ws.data.authTimer);
    const connection = ws.data.connection;
    if (!connection) return;
    connection.markClosed();
    connections.delete(connection);
    surfaces.drop(connection);
    for (const dispose of connection.chats.values()) dispose();
    connection.chats.clear();
    logger.debug("client disconnected", { connection: connection.id, code });
  }

  const server = Bun.serve<SocketData>({
    hostname: options.hostname,
    port: options.port,
    fetch: upgrade,
    websocket: {
      maxPayloadLength: limits.hardFrameBytes,
      backpressureLimit: limits.maxBufferedBytes,
      closeOnBackpressureLimit: false,
      sendPings: true,
      open: onOpen,
      message(ws, raw) {
        const connection = ws.data.connection;
        if (connection && !connection.closed) onFrame(ws.data, connection, raw);
      },
      close: onClose,
      error(error, ws) {
        logger.warn("a WebSocket handler failed", { err: error, connection: ws.data.connection?.id ?? 0 });
      },
    },
  });

  const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
  return {
    url: `ws://${host}:${server.port ?? options.port}`,
    broadcast(text) {
      for (const connection of connections) if (connection.authenticated) connection.sendText(text);
    },
    stats: () => ({ connections: connections.size, ...stats }),
    stopAccepting() {
      void server.stop(false);
    },
    async stop() {
      for (const connection of [...connections]) connection.close(CLOSE.goingAway, "server shutting down");
      await server.stop(true);
    },
  };
}
