/**
 * The `auth-apikey` extension: provides `apiKeyService` over the credentials it is configured with
 * (the composition root reads them from env or config). It logs credential names, never keys.
 */
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { createApiKeyService } from "./api-key-service.ts";
import { type ApiKeyCredentials, apiKeyService } from "./types.ts";

/** Options of `createAuthApiKeyExtension`. */
export interface AuthApiKeyOptions {
  /** Credential name → endpoint and key, e.g. `{ default: { baseURL, apiKey } }`. */
  credentials: Record<string, ApiKeyCredentials>;
}

/** Creates the `auth-apikey` extension, e.g. `createAuthApiKeyExtension({ credentials: { default: { baseURL } } })`. */
export function createAuthApiKeyExtension(options: AuthApiKeyOptions): Extension {
  return {
    manifest: {
      id: "auth-apikey",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: [],
      description: "API keys and base URLs for named credentials, from configuration",
    },
    activate(host) {
      const service = createApiKeyService(options.credentials);
      host.provideService(apiKeyService, service);
      const names = service.names();
      host.logger.info("credentials configured", { count: names.length, names: names.join(",") });
    },
  };
}
