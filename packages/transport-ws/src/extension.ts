/**
 * The `transport-ws` extension: the surface and chat WebSocket on its own port. It greets each
 * client with the surface catalog, serves surface and chat operations, and broadcasts conversation
 * lifecycle changes (`conversation.open`, `conversation.statusChanged`, `conversation.compacted`) to
 * every client.
 */
import { conversationCompacted } from "@dispatch/compaction";
import { type Dispose, defineService, type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { messageQueueService } from "@dispatch/message-queue";
import {
  conversationOpened,
  conversationStatusChanged,
  sessionOrchestratorService,
} from "@dispatch/session-orchestrator";
import { surfaceRegistryService } from "@dispatch/surface-registry";
import type { WsChatServerMessage } from "@dispatch/transport-contract";
import { createChatHandler } from "./chat.ts";
import { resolveLimits, type TransportWsOptions } from "./options.ts";
import { startWsServer, type WsServer, type WsStats } from "./server.ts";
import { createSurfaceHub } from "./surface-hub.ts";

/** The running WebSocket server. */
export interface TransportWs {
  /** `ws://host:port`. */
  readonly url: string;
  /** Connections, the peak send buffer and slow consumers cut so far. */
  stats(): WsStats;
  /** Closes the listener; open connections stay until shutdown. */
  stopAccepting(): void;
}

/** Provided by `transport-ws` once it listens. */
export const transportWsService = defineService<TransportWs>("transport-ws/server");

/** Creates the extension. */
export function createTransportWsExtension(options: TransportWsOptions): Extension {
  let server: WsServer | undefined;
  const cleanups: Dispose[] = [];
  return {
    manifest: {
      id: "transport-ws",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["session-orchestrator", "surface-registry"],
      description: "WebSocket: live turns to every watcher, surfaces, conversation broadcasts",
    },
    activate(host) {
      let broadcast = (_text: string) => {};
      const surfaces = createSurfaceHub({
        registry: host.getService(surfaceRegistryService),
        broadcast: (text) => broadcast(text),
        logger: host.logger,
      });
      cleanups.push(surfaces.dispose);
      const chat = createChatHandler({
        orchestrator: host.getService(sessionOrchestratorService),
        queue: () => host.tryGetService(messageQueueService),
        newConversationId: () => crypto.randomUUID(),
        logger: host.logger,
      });
      const running = startWsServer({
        hostname: options.hostname,
        port: options.port,
        policy: {
          allowedHosts: options.allowedHosts,
          allowedOrigins: options.allowedOrigins,
          token: options.token,
          tokenHint: options.tokenHint ?? "in the server's data directory (file token) or DISPATCH_TOKEN",
        },
        limits: resolveLimits(options.limits),
        surfaces,
        chat,
        logger: host.logger,
        now: host.now,
      });
      server = running;
      broadcast = running.broadcast;
      const send = (message: WsChatServerMessage) => running.broadcast(JSON.stringify(message));
      host.on(conversationOpened, ({ conversationId, workspaceId }) => {
        send({ type: "conversation.open", conversationId, workspaceId });
      });
      host.on(conversationStatusChanged, ({ conversationId, status, workspaceId }) => {
        send({ type: "conversation.statusChanged", conversationId, status, workspaceId });
      });
      host.on(
        conversationCompacted,
        ({ conversationId, newConversationId, messagesSummarized, messagesKept }) => {
          send({
            type: "conversation.compacted",
            conversationId,
            newConversationId,
            messagesSummarized,
            messagesKept,
          });
        },
      );
      host.logger.info("WebSocket listening", { url: running.url, auth: options.token !== undefined });
      host.provideService(transportWsService, {
        url: running.url,
        stats: running.stats,
        stopAccepting: running.stopAccepting,
      });
    },
    async deactivate() {
      for (const cleanup of cleanups.splice(0)) cleanup();
      await server?.stop();
      server = undefined;
    },
  };
}
