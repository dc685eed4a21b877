/**
 * Named credentials, `<credential>/<model>` resolution and the model catalog, provided as
 * `credentialStoreService`.
 * @module
 */
export { type CredentialStoreExtensionOptions, createCredentialStoreExtension } from "./extension.ts";
export {
  type CredentialStoreOptions,
  createCredentialStore,
  DEFAULT_CATALOG_TIMEOUT_MS,
  DEFAULT_CATALOG_TTL_MS,
} from "./store.ts";
export {
  type Credential,
  type CredentialStore,
  credentialStoreService,
  type ModelCatalog,
  type ResolvedModel,
} from "./types.ts";
