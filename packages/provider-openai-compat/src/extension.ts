/**
 * The `provider-openai-compat` extension: registers one OpenAI-compatible provider per configured
 * entry, each bound to a named credential that `auth-apikey` resolves at call time.
 */
import { apiKeyService } from "@dispatch/auth-apikey";
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import type { FetchLike } from "./call-watch.ts";
import { createOpenAICompatProvider } from "./provider.ts";

/** Options of `createOpenAICompatProviderExtension`. */
export interface OpenAICompatProviderExtensionOptions {
  /** One provider per entry: its id and the credential it calls with. */
  providers: { id: string; credential: string }[];
  /** No response byte within this many ms cancels a call (default 120000). */
  firstByteTimeoutMs?: number;
  /** No further response byte within this many ms cancels a call (default 120000). */
  idleTimeoutMs?: number;
  /** The HTTP client (default: the global `fetch`). */
  fetch?: FetchLike;
}

/**
 * Creates the extension, e.g.
 * `createOpenAICompatProviderExtension({ providers: [{ id: "openai-compat", credential: "opencode" }] })`.
 */
export function createOpenAICompatProviderExtension(
  options: OpenAICompatProviderExtensionOptions,
): Extension {
  return {
    manifest: {
      id: "provider-openai-compat",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["auth-apikey"],
      description: "OpenAI-compatible providers on the Vercel AI SDK",
    },
    activate(host) {
      const keys = host.getService(apiKeyService);
      for (const entry of options.providers) {
        host.registerProvider(
          createOpenAICompatProvider({
            id: entry.id,
            credential: entry.credential,
            keys,
            ...(options.firstByteTimeoutMs !== undefined
              ? { firstByteTimeoutMs: options.firstByteTimeoutMs }
              : {}),
            ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
            ...(options.fetch ? { fetch: options.fetch } : {}),
          }),
        );
        host.logger.info("provider registered", { provider: entry.id, credential: entry.credential });
      }
    },
  };
}
