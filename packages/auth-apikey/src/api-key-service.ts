/**
 * The in-memory `ApiKeyService`: named credentials (base URL + optional key) from configuration.
 * Keys are returned only to callers that ask by name; nothing here logs them.
 */
import type { ApiKeyCredentials, ApiKeyService } from "./types.ts";

/** Builds the service over a fixed map; validates every base URL up front. */
export function createApiKeyService(credentials: Readonly<Record<string, ApiKeyCredentials>>): ApiKeyService {
  const entries = new Map<string, ApiKeyCredentials>();
  for (const [name, value] of Object.entries(credentials)) {
    entries.set(name, { ...value, baseURL: checkBaseURL(name, value.baseURL) });
  }
  return {
    resolve: (name) => {
      const found = entries.get(name);
      return found === undefined ? undefined : { ...found };
    },
    names: () => [...entries.keys()],
  };
}

function checkBaseURL(name: string, baseURL: string): string {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new Error(
      `credential "${name}": baseURL "${baseURL}" is not a URL (e.g. https://api.example.com/v1)`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`credential "${name}": baseURL must be http(s), got "${url.protocol}"`);
  }
  return baseURL.replace(/\/+$/, "");
}
