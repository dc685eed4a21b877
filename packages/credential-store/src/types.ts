/**
 * Named credentials and the model catalog. A model name is `<credential>/<model>`, split at the
 * first `/`; each credential points at a registered provider.
 */
import { defineService, type Provider } from "@dispatch/kernel";

/** A named credential; the secret itself lives with the auth extension. */
export interface Credential {
  name: string;
  providerId: string;
}

/** A model name resolved to the provider that serves it. */
export interface ResolvedModel {
  /** `<credential>/<model>`. */
  name: string;
  credential: string;
  provider: Provider;
  /** The model id at the provider. */
  model: string;
}

/** What `GET /models` returns. */
export interface ModelCatalog {
  models: string[];
  modelInfo: Record<string, { contextWindow?: number; vision?: boolean }>;
}

export interface CredentialStore {
  credentials(): readonly Credential[];
  /** The configured default model name, if any credential is configured. */
  defaultModel(): string | undefined;
  /** Resolves a model name; the error says which names exist. */
  resolve(modelName: string): ResolvedModel | { error: string };
  /** Asks every provider for its models (cached briefly); a failing provider contributes its default only. */
  catalog(signal?: AbortSignal): Promise<ModelCatalog>;
}

/** Provided by the `credential-store` extension. */
export const credentialStoreService = defineService<CredentialStore>("credential-store/store");
