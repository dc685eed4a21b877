/**
 * The auth-apikey extension through a real host: the service resolves configured credentials, a bad
 * base URL disables the extension at boot, and keys never reach the log.
 */
import { createHost, createLogger, type LogRecord } from "@dispatch/kernel";
import { describe, expect, it } from "vitest";
import { createApiKeyService } from "./api-key-service.ts";
import { createAuthApiKeyExtension } from "./extension.ts";
import { apiKeyService } from "./types.ts";

function boot(credentials: Parameters<typeof createAuthApiKeyExtension>[0]["credentials"]) {
  const records: LogRecord[] = [];
  let id = 0;
  const logger = createLogger({
    sink: { emit: (record) => records.push(record) },
    now: Date.now,
    newId: () => `id-${++id}`,
    extensionId: "host",
  });
  const host = createHost({
    extensions: [createAuthApiKeyExtension({ credentials })],
    logger,
    now: Date.now,
    sleep: async () => {},
  });
  return { host, records };
}

describe("auth-apikey", () => {
  it("provides the configured credentials by name, trailing slashes trimmed", async () => {
    const { host, records } = boot({
      opencode: { baseURL: "https://opencode.ai/zen/go/v1/", apiKey: "sk-very-secret" },
      local: { baseURL: "http://127.0.0.1:8080/v1" },
    });
    await host.activate();
    const keys = host.api.getService(apiKeyService);
    expect(keys.names()).toEqual(["opencode", "local"]);
    expect(keys.resolve("opencode")).toEqual({
      baseURL: "https://opencode.ai/zen/go/v1",
      apiKey: "sk-very-secret",
    });
    expect(keys.resolve("local")).toEqual({ baseURL: "http://127.0.0.1:8080/v1" });
    expect(keys.resolve("missing")).toBeUndefined();
    expect(JSON.stringify(records)).toContain("opencode");
    expect(JSON.stringify(records)).not.toContain("sk-very-secret");
  });

  it("disables itself at boot with a clear reason when a base URL is not a URL", async () => {
    const { host } = boot({ bad: { baseURL: "opencode.ai/v1" } });
    await host.activate();
    const [status] = host.status();
    expect(status?.state).toBe("disabled");
    expect(status?.reason).toContain('credential "bad": baseURL "opencode.ai/v1" is not a URL');
  });

  it("rejects non-http schemes", () => {
    expect(() => createApiKeyService({ f: { baseURL: "file:///etc/passwd" } })).toThrow("must be http(s)");
  });

  it("returns copies, so callers cannot change the configuration", () => {
    const keys = createApiKeyService({ a: { baseURL: "http://x.test/v1", apiKey: "k" } });
    const resolved = keys.resolve("a");
    if (resolved) resolved.apiKey = "changed";
    expect(keys.resolve("a")?.apiKey).toBe("k");
  });
});
