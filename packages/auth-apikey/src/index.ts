/**
 * API keys and base URLs of named credentials. Providers resolve them at call time through
 * `apiKeyService`.
 * @module
 */
export { createApiKeyService } from "./api-key-service.ts";
export { type AuthApiKeyOptions, createAuthApiKeyExtension } from "./extension.ts";
export { type ApiKeyCredentials, type ApiKeyService, apiKeyService } from "./types.ts";
