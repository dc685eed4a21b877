/**
 * The `transport-http` extension: serves the app with `Bun.serve` on the configured loopback
 * address, and provides `transportHttpService` so the host can stop accepting on shutdown.
 */

import { compactionService } from "@dispatch/compaction";
import { conversationStoreService } from "@dispatch/conversation-store";
import { credentialStoreService } from "@dispatch/credential-store";
import { defineService, type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { lspService } from "@dispatch/lsp";
import { messageQueueService } from "@dispatch/message-queue";
import { effectiveCwd, sessionOrchestratorService, warmService } from "@dispatch/session-orchestrator";
import { systemPromptService } from "@dispatch/system-prompt";
import { throughputService } from "@dispatch/throughput-store";
import { createApp } from "./app.ts";
import type { SecurityOptions } from "./security.ts";

/** Options of the HTTP transport. */
export interface TransportHttpOptions {
  /** The address to bind; loopback unless the operator says otherwise. */
  hostname: string;
  /** 0 picks a free port (tests). */
  port: number;
  security: SecurityOptions;
  /** The server default cwd, last rung of the cwd ladder (for `GET .../lsp`). */
  defaultCwd: string;
  /**
   * Seconds a connection may stay silent before Bun closes it (default 60, at most 255). The chat
   * stream and the `LONG_ROUTES` lift it for their own request.
   */
  idleTimeoutSeconds?: number;
  /**
   * Called once, on the first request other than `GET /health` (a client, not a health check):
   * the daemon ends its start-up mode then (host-bin `main.ts`).
   */
  onFirstRequest?: () => void;
}

/** The running server. */
export interface TransportHttp {
  /** `http://host:port`. */
  readonly url: string;
  /** Closes the listener; in-flight responses (NDJSON streams) go on. */
  stopAccepting(): void;
}

/** What only the composition root knows about the daemon, for `GET /status`. */
export interface DaemonInfo {
  version: string;
  startedAt: number;
  dataDir: string;
  credentials: { name: string; providerId: string; baseURL: string }[];
  defaultModel: string | null;
  surfaceWsUrl(): string | null;
  collector(): string;
}

/** Bun's idle timeout for the HTTP server, in seconds. */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 60;

/** Provided by the composition root (before activation); without it `GET /status` answers 503. */
export const daemonInfoService = defineService<DaemonInfo>("transport-http/daemon-info");

/** Provided by `transport-http` once it listens. */
export const transportHttpService = defineService<TransportHttp>("transport-http/server");

/** Creates the extension. */
export function createTransportHttpExtension(options: TransportHttpOptions): Extension {
  let server: ReturnType<typeof Bun.serve> | undefined;
  return {
    manifest: {
      id: "transport-http",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["session-orchestrator", "conversation-store", "credential-store"],
      description: "HTTP API: NDJSON chat stream and conversation routes",
    },
    activate(host) {
      const store = host.getService(conversationStoreService);
      const credentials = host.getService(credentialStoreService);
      const ownCwd = (id: string): string | null => {
        const meta = store.getMeta(id);
        if (!meta) return null;
        const hasOwn = store.getSettings(id).cwd !== null || store.getWorkspace(meta.workspaceId)?.defaultCwd;
        return hasOwn ? effectiveCwd({ host, store, credentials, defaultCwd: options.defaultCwd }, id) : null;
      };
      const app = createApp({
        orchestrator: host.getService(sessionOrchestratorService),
        store,
        credentials,
        security: options.security,
        logger: host.logger,
        newConversationId: () => crypto.randomUUID(),
        queue: () => host.tryGetService(messageQueueService),
        warm: () => host.tryGetService(warmService),
        compaction: () => host.tryGetService(compactionService),
        systemPrompt: () => host.tryGetService(systemPromptService),
        throughput: () => host.tryGetService(throughputService),
        lsp: () => host.tryGetService(lspService),
        ownCwd: (id) => ownCwd(id),
        status: () => {
          const info = host.tryGetService(daemonInfoService);
          if (!info) return undefined;
          return {
            version: info.version,
            pid: process.pid,
            startedAt: info.startedAt,
            dataDir: info.dataDir,
            httpUrl: url,
            surfaceWsUrl: info.surfaceWsUrl(),
            credentials: info.credentials,
            defaultModel: info.defaultModel,
            activeTurns: store.listConversations({ status: ["active"] }).length,
            collector: info.collector(),
          };
        },
      });
      let firstRequest = options.onFirstRequest;
      const bound = Bun.serve({
        hostname: options.hostname,
        port: options.port,
        idleTimeout: options.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS,
        fetch: (request, srv) => {
          if (firstRequest && !isHealthCheck(request)) {
            const notify = firstRequest;
            firstRequest = undefined;
            notify();
          }
          return app.fetch(request, { server: srv });
        },
      });
      server = bound;
      const url = `http://${bound.hostname?.includes(":") ? `[${bound.hostname}]` : bound.hostname}:${bound.port}`;
      host.logger.info("HTTP API listening", { url });
      host.provideService(transportHttpService, {
        url,
        stopAccepting: () => {
          void bound.stop(false);
        },
      });
    },
    async deactivate() {
      await server?.stop(true);
      server = undefined;
    },
  };
}

function isHealthCheck(request: Request): boolean {
  return request.method === "GET" && new URL(request.url).pathname === "/health";
}
