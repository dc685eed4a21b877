/**
 * The `CredentialStore`: `<credential>/<model>` resolution (split at the first `/`, provider looked
 * up lazily so extension order does not matter) and the model catalog (every provider's
 * `listModels` in parallel, with a timeout, cached per credential; a failing provider contributes
 * the default model only).
 */
import type { Logger, ModelInfo, Provider } from "@dispatch/kernel";
import type { Credential, CredentialStore, ModelCatalog } from "./types.ts";

/** Default wait for one provider's model list. */
export const DEFAULT_CATALOG_TIMEOUT_MS = 5_000;
/** Default lifetime of a successful model list. */
export const DEFAULT_CATALOG_TTL_MS = 60_000;

/** Everything `createCredentialStore` needs. */
export interface CredentialStoreOptions {
  credentials: readonly Credential[];
  /** `<credential>/<model>`, or a bare model name served by the first credential. */
  defaultModel?: string;
  /** The registered provider with this id. Contract: never throws; `undefined` when absent. */
  provider(id: string): Provider | undefined;
  logger: Logger;
  now(): number;
  catalogTimeoutMs?: number;
  catalogTtlMs?: number;
}

/** Builds the store, e.g. `createCredentialStore({ credentials, provider: (id) => host.provider(id), logger, now })`. */
export function createCredentialStore(options: CredentialStoreOptions): CredentialStore {
  const credentials = [...options.credentials];
  const defaultModel = normalizeDefault(options.defaultModel, credentials);
  const timeoutMs = options.catalogTimeoutMs ?? DEFAULT_CATALOG_TIMEOUT_MS;
  const ttlMs = options.catalogTtlMs ?? DEFAULT_CATALOG_TTL_MS;
  const cache = new Map<string, { at: number; models: Promise<ModelInfo[]> }>();

  const listModels = (credential: Credential): Promise<ModelInfo[]> => {
    const cached = cache.get(credential.name);
    if (cached && options.now() - cached.at < ttlMs) return cached.models;
    const models = fetchModels(credential, options.provider(credential.providerId), timeoutMs);
    cache.set(credential.name, { at: options.now(), models });
    models.catch(() => {
      if (cache.get(credential.name)?.models === models) cache.delete(credential.name);
    });
    return models;
  };

  const modelsOf = async (credential: Credential, signal?: AbortSignal): Promise<ModelInfo[] | undefined> => {
    try {
      return await untilAborted(listModels(credential), signal);
    } catch (err) {
      options.logger.warn("model list failed; offering the default model only", {
        credential: credential.name,
        provider: credential.providerId,
        err,
      });
      return undefined;
    }
  };

  return {
    credentials: () => credentials,
    defaultModel: () => defaultModel,
    resolve(modelName) {
      const slash = modelName.indexOf("/");
      const name = slash < 0 ? "" : modelName.slice(0, slash);
      const model = slash < 0 ? "" : modelName.slice(slash + 1);
      const credential = credentials.find((c) => c.name === name);
      if (credential === undefined || model === "") return { error: unknownModel(modelName, credentials) };
      const provider = options.provider(credential.providerId);
      if (provider === undefined) {
        return {
          error: `model "${modelName}": credential "${name}" uses provider "${credential.providerId}", which is not registered (check that its extension is active)`,
        };
      }
      return { name: modelName, credential: name, provider, model };
    },
    async catalog(signal) {
      const lists = await Promise.all(credentials.map((c) => modelsOf(c, signal)));
      const catalog: ModelCatalog = { models: [], modelInfo: {} };
      credentials.forEach((credential, i) => {
        const list = lists[i];
        if (list === undefined) {
          if (defaultModel?.startsWith(`${credential.name}/`)) catalog.models.push(defaultModel);
          return;
        }
        for (const info of list) addModel(catalog, `${credential.name}/${info.id}`, info);
      });
      return catalog;
    },
  };
}

async function fetchModels(credential: Credential, provider: Provider | undefined, timeoutMs: number) {
  if (provider === undefined) throw new Error(`provider "${credential.providerId}" is not registered`);
  if (provider.listModels === undefined) throw new Error(`provider "${provider.id}" cannot list models`);
  return provider.listModels(AbortSignal.timeout(timeoutMs));
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new Error("the catalog request was cancelled"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("the catalog request was cancelled"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function addModel(catalog: ModelCatalog, name: string, info: ModelInfo): void {
  if (catalog.models.includes(name)) return;
  catalog.models.push(name);
  const known: { contextWindow?: number; vision?: boolean } = {};
  if (info.contextWindow !== undefined) known.contextWindow = info.contextWindow;
  if (info.vision !== undefined) known.vision = info.vision;
  if (Object.keys(known).length > 0) catalog.modelInfo[name] = known;
}

function normalizeDefault(model: string | undefined, credentials: readonly Credential[]): string | undefined {
  const first = credentials[0];
  if (!model || first === undefined) return undefined;
  const prefix = model.split("/", 1)[0];
  return credentials.some((c) => c.name === prefix) && model.length > (prefix?.length ?? 0) + 1
    ? model
    : `${first.name}/${model}`;
}

function unknownModel(modelName: string, credentials: readonly Credential[]): string {
  const names = credentials.map((c) => c.name).join(", ") || "(none configured)";
  return `unknown model "${modelName}": the known credentials are ${names} (model names look like <credential>/<model>; run GET /models)`;
}
