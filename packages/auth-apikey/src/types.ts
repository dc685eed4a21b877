/** API keys and base URLs of named credentials, resolved from configuration. */
import { defineService } from "@dispatch/kernel";

/** How to reach one OpenAI-compatible endpoint. */
export interface ApiKeyCredentials {
  baseURL: string;
  /** Absent for servers that need no key (a local model server). */
  apiKey?: string;
}

export interface ApiKeyService {
  /** The credentials of `name`, or `undefined` when not configured. */
  resolve(name: string): ApiKeyCredentials | undefined;
  /** Names of the configured credentials. */
  names(): string[];
}

/** Provided by the `auth-apikey` extension. */
export const apiKeyService = defineService<ApiKeyService>("auth-apikey/keys");
