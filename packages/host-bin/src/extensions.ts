/**
 * The bundled extensions and how configuration reaches each. The host sorts them by `dependsOn`;
 * this list only decides which exist.
 */
import { createAuthApiKeyExtension } from "@dispatch/auth-apikey";
import { createCompactionExtension } from "@dispatch/compaction";
import { createConversationStoreExtension } from "@dispatch/conversation-store";
import { createCredentialStoreExtension } from "@dispatch/credential-store";
import type { Extension } from "@dispatch/kernel";
import { createMessageQueueExtension } from "@dispatch/message-queue";
import { createOpenAICompatProviderExtension } from "@dispatch/provider-openai-compat";
import { createRetryPolicy, createSessionOrchestratorExtension } from "@dispatch/session-orchestrator";
import { createStorageSqliteExtension } from "@dispatch/storage-sqlite";
import { createTransportHttpExtension } from "@dispatch/transport-http";
import type { Config } from "./config.ts";

/** Every bundled extension, configured. `token` is the resolved bearer token (undefined: auth off). */
export function bundledExtensions(config: Config, token: string | undefined): Extension[] {
  const providerIds = [...new Set(config.credentials.map((c) => c.providerId))];
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
    createCompactionExtension({ defaultContextWindow: config.contextWindow }),
    createTransportHttpExtension({
      hostname: config.hostname,
      port: config.httpPort,
      security: {
        allowedHosts: config.allowedHosts,
        allowedOrigins: config.allowedOrigins,
        token,
        tokenHint: `in ${config.tokenPath} (or set DISPATCH_TOKEN)`,
        maxBodyBytes: 16 * 1024 * 1024,
      },
    }),
  ];
}
