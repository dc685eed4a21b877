/**
 * The `credential-store` extension: provides `credentialStoreService` over the configured
 * credentials. Providers are looked up when a model is resolved, so it needs no provider to be
 * active first.
 */
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { createCredentialStore } from "./store.ts";
import { type Credential, credentialStoreService } from "./types.ts";

/** Options of `createCredentialStoreExtension`. */
export interface CredentialStoreExtensionOptions {
  credentials: Credential[];
  /** `<credential>/<model>`; a bare model name is served by the first credential. */
  defaultModel?: string;
  /** Wait for one provider's model list (default 5000). */
  catalogTimeoutMs?: number;
  /** Lifetime of a successful model list (default 60000). */
  catalogTtlMs?: number;
}

/**
 * Creates the extension, e.g.
 * `createCredentialStoreExtension({ credentials: [{ name: "opencode", providerId: "openai-compat" }], defaultModel: "opencode/deepseek-v4-flash" })`.
 */
export function createCredentialStoreExtension(options: CredentialStoreExtensionOptions): Extension {
  return {
    manifest: {
      id: "credential-store",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: [],
      description: "Named credentials, <credential>/<model> resolution and the model catalog",
    },
    activate(host) {
      const store = createCredentialStore({
        ...options,
        provider: (id) => host.provider(id),
        logger: host.logger,
        now: host.now,
      });
      host.provideService(credentialStoreService, store);
      // Not named `credentials`: the log sinks redact attributes with credential-like names.
      host.logger.info("credentials loaded", {
        providers: store
          .credentials()
          .map((c) => `${c.name}->${c.providerId}`)
          .join(","),
        defaultModel: store.defaultModel() ?? null,
      });
    },
  };
}
