/**
 * The bundled extensions and how configuration reaches each. The host sorts them by `dependsOn`;
 * this list only decides which exist.
 */

import { dirname } from "node:path";
import { createAuthApiKeyExtension } from "@dispatch/auth-apikey";
import { createCacheWarmingExtension } from "@dispatch/cache-warming";
import { createCompactionExtension } from "@dispatch/compaction";
import { createConversationStoreExtension } from "@dispatch/conversation-store";
import { createCredentialStoreExtension } from "@dispatch/credential-store";
import type { Extension } from "@dispatch/kernel";
import { allowlistedEnv, createLspExtension } from "@dispatch/lsp";
import { createMessageQueueExtension } from "@dispatch/message-queue";
import { createOpenAICompatProviderExtension } from "@dispatch/provider-openai-compat";
import { createRetryPolicy, createSessionOrchestratorExtension } from "@dispatch/session-orchestrator";
import { createSkillsExtension } from "@dispatch/skills";
import { createStorageSqliteExtension } from "@dispatch/storage-sqlite";
import { createLoadedExtensionsExtension } from "@dispatch/surface-loaded-extensions";
import { createSurfaceRegistryExtension } from "@dispatch/surface-registry";
import { createSystemPromptExtension } from "@dispatch/system-prompt";
import { createThroughputStoreExtension } from "@dispatch/throughput-store";
import { createTodoExtension } from "@dispatch/todo";
import { createEditFileExtension } from "@dispatch/tool-edit-file";
import { createFileStateExtension } from "@dispatch/tool-kit";
import { createReadFileExtension } from "@dispatch/tool-read-file";
import { createShellExtension } from "@dispatch/tool-shell";
import { createWebSearchExtension } from "@dispatch/tool-web-search";
import { createWriteFileExtension } from "@dispatch/tool-write-file";
import { createYoutubeTranscriptExtension } from "@dispatch/tool-youtube-transcript";
import { createTransportHttpExtension } from "@dispatch/transport-http";
import {
  createMessageQueueSurfaceExtension,
  createTodoSurfaceExtension,
  createTransportWsExtension,
} from "@dispatch/transport-ws";
import type { Config } from "./config.ts";

/**
 * Every bundled extension, configured. `token` is the resolved bearer token (undefined: auth off);
 * `onClient` is called once, when the first client reaches a transport (not a health check).
 */
export function bundledExtensions(
  config: Config,
  token: string | undefined,
  onClient?: () => void,
): Extension[] {
  const first = onClient ? once(onClient) : undefined;
  const providerIds = [...new Set(config.credentials.map((c) => c.providerId))];
  const tokenHint = `in ${config.tokenPath} (or set DISPATCH_TOKEN)`;
  // File tools (and the system prompt's file variables) never reach the daemon's own state,
  // wherever the operator put it.
  const containment = {
    deniedRoots: [
      config.dataDir,
      dirname(config.dbPath),
      dirname(config.journalPath),
      dirname(config.traceDbPath),
    ],
  };
  return [
    createStorageSqliteExtension({ path: config.dbPath }),
    createConversationStoreExtension(),
    createAuthApiKeyExtension({
      credentials: Object.fromEntries(
        config.credentials.map((c) => [
          c.name,
          { baseURL: c.baseURL, ...(c.apiKey ? { apiKey: c.apiKey } : {}) },
        ]),
      ),
    }),
    createOpenAICompatProviderExtension({
      providers: providerIds.map((id) => ({
        id,
        credential: config.credentials.find((c) => c.providerId === id)?.name ?? id,
      })),
    }),
    createCredentialStoreExtension({
      credentials: config.credentials.map((c) => ({ name: c.name, providerId: c.providerId })),
      ...(config.defaultModel ? { defaultModel: config.defaultModel } : {}),
    }),
    createSessionOrchestratorExtension({
      defaultCwd: config.defaultCwd,
      maxSteps: config.maxSteps,
      retry: createRetryPolicy(),
    }),
    createMessageQueueExtension(),
    createSystemPromptExtension({ resolve: { deniedRoots: containment.deniedRoots } }),
    createThroughputStoreExtension(),
    createFileStateExtension(),
    createReadFileExtension(containment),
    createEditFileExtension(containment),
    createWriteFileExtension(containment),
    createShellExtension(),
    createWebSearchExtension(config.firecrawl),
    ...(config.transcriberUrl
      ? [createYoutubeTranscriptExtension({ serviceUrl: config.transcriberUrl })]
      : []),
    createTodoExtension(),
    createSkillsExtension(),
    createLspExtension({ ...config.lsp, env: allowlistedEnv(process.env), containment }),
    createCompactionExtension({ defaultContextWindow: config.contextWindow }),
    createSurfaceRegistryExtension(),
    createLoadedExtensionsExtension(),
    createMessageQueueSurfaceExtension(),
    createTodoSurfaceExtension(),
    createCacheWarmingExtension(config.cacheWarming),
    createTransportWsExtension({
      hostname: config.hostname,
      port: config.surfaceWsPort,
      allowedHosts: config.allowedHosts,
      allowedOrigins: config.allowedOrigins,
      token,
      tokenHint,
      ...(first ? { onFirstConnection: first } : {}),
    }),
    createTransportHttpExtension({
      hostname: config.hostname,
      port: config.httpPort,
      defaultCwd: config.defaultCwd,
      security: {
        allowedHosts: config.allowedHosts,
        allowedOrigins: config.allowedOrigins,
        token,
        tokenHint,
        maxBodyBytes: 16 * 1024 * 1024,
      },
      ...(first ? { onFirstRequest: first } : {}),
    }),
  ];
}

/** `fn`, called at most once. */
function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    fn();
  };
}
