/**
 * The `transport-ws` extension: the surface and chat WebSocket on its own port. It greets each
 * client with the surface catalog, serves surface and chat operations, and relays conversation
 * lifecycle broadcasts (`conversation.open`, `.statusChanged`, `.compacted`) to every client.
 */
import { defineService, type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { messageQueueService } from "@dispatch/message-queue";
import { sessionOrchestratorService } from "@dispatch/session-orchestrator";
import { surfaceRegistryService } from "@dispatch/surface-registry";
import { relayBroadcasts } from "./broadcasts.ts";
import { createChatHandler } from "./chat.ts";
import { resolveLimits, type TransportWsOptions } from "./options.ts";
import { startWsServer, type WsServer, type WsStats } from "./server.ts";
import { createSurfaceHub, type SurfaceHub } from "./surface-hub.ts";

/** The running WebSocket server. */
export interface TransportWs {
  /** `ws://host:port`. */
  readonly url: string;
  /** Open connections, the largest send queue seen, and slow clients cut so far. */
  stats(): WsStats;
  /** Closes the listener; open connections stay until deactivation. */
  stopAccepting(): void;
}

/** Provided by `transport-ws` once it listens. */
export const transportWsService = defineService<TransportWs>("transport-ws/server");

const DEFAULT_TOKEN_HINT = "in the token file of the server's data directory (or DISPATCH_TOKEN)";

/** Creates the extension, e.g. `createTransportWsExtension({ hostname, port: 24205, allowedHosts, allowedOrigins, token })`. */
export function createTransportWsExtension(options: TransportWsOptions): Extension {
  let server: WsServer | undefined;
  let surfaces: SurfaceHub | undefined;

  async function stop(): Promise<void> {
    surfaces?.dispose();
    surfaces = undefined;
    await server?.stop();
    server = undefined;
  }

  return {
    manifest: {
      id: "transport-ws",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["session-orchestrator", "surface-registry"],
      description: "WebSocket: live turns to every watcher, surfaces, conversation broadcasts",
    },
    async activate(host) {
      const hub = createSurfaceHub({
        registry: host.getService(surfaceRegistryService),
        broadcast: (text) => server?.broadcast(text),
        logger: host.logger,
      });
      surfaces = hub;
      try {
        const running = startWsServer({
          hostname: options.hostname,
          port: options.port,
          policy: {
            allowedHosts: options.allowedHosts,
            allowedOrigins: options.allowedOrigins,
            token: options.token,
            tokenHint: options.tokenHint ?? DEFAULT_TOKEN_HINT,
          },
          limits: resolveLimits(options.limits),
          surfaces: hub,
          chat: createChatHandler({
            orchestrator: host.getService(sessionOrchestratorService),
            queue: () => host.tryGetService(messageQueueService),
            newConversationId: () => crypto.randomUUID(),
            logger: host.logger,
          }),
          logger: host.logger,
          now: host.now,
          ...(options.onFirstConnection ? { onFirstConnection: options.onFirstConnection } : {}),
        });
        server = running;
        relayBroadcasts(host, (message) => running.broadcast(JSON.stringify(message)));
        host.provideService(transportWsService, {
          url: running.url,
          stats: running.stats,
          stopAccepting: running.stopAccepting,
        });
        host.logger.info("WebSocket listening", { url: running.url, auth: options.token !== undefined });
      } catch (err) {
        await stop();
        throw err;
      }
    },
    deactivate: stop,
  };
}
