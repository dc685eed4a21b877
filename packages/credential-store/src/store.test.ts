/**
 * The credential store through a real host with two scripted model servers behind real
 * openai-compat providers: model-name resolution and its errors, the default model, and the
 * catalog (parallel listing, model info, caching, a failing provider degrading to the default).
 */
import { createAuthApiKeyExtension } from "@dispatch/auth-apikey";
import { createHost, createLogger, type Host, type LogRecord } from "@dispatch/kernel";
import { createOpenAICompatProviderExtension } from "@dispatch/provider-openai-compat";
import { type ScriptedModel, startScriptedModel } from "@dispatch/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCredentialStoreExtension } from "./extension.ts";
import { type CredentialStore, credentialStoreService } from "./types.ts";

let alpha: ScriptedModel;
let beta: ScriptedModel;
let records: LogRecord[];
let clock: number;
let host: Host;

beforeEach(async () => {
  alpha = await startScriptedModel({ models: [{ id: "a-large", context_length: 128000 }, "a-small"] });
  beta = await startScriptedModel({
    models: [{ id: "vendor/b-vision", architecture: { input_modalities: ["text", "image"] } }],
  });
  records = [];
  clock = 1_000_000;
});

afterEach(async () => {
  await host.deactivate();
  await Promise.all([alpha.close(), beta.close()]);
});

async function boot(
  options: { defaultModel?: string; catalogTimeoutMs?: number } = {},
): Promise<CredentialStore> {
  let id = 0;
  const logger = createLogger({
    sink: { emit: (record) => records.push(record) },
    now: () => clock,
    newId: () => `id-${++id}`,
    extensionId: "host",
  });
  host = createHost({
    logger,
    now: () => clock,
    sleep: async () => {},
    extensions: [
      createCredentialStoreExtension({
        credentials: [
          { name: "alpha", providerId: "alpha-provider" },
          { name: "beta", providerId: "beta-provider" },
        ],
        ...options,
      }),
      createAuthApiKeyExtension({
        credentials: { alpha: { baseURL: alpha.baseURL, apiKey: "ka" }, beta: { baseURL: beta.baseURL } },
      }),
      createOpenAICompatProviderExtension({
        providers: [
          { id: "alpha-provider", credential: "alpha" },
          { id: "beta-provider", credential: "beta" },
        ],
      }),
    ],
  });
  await host.activate();
  return host.api.getService(credentialStoreService);
}

describe("credential-store: resolve", () => {
  it("splits at the first slash and finds the provider lazily", async () => {
    const store = await boot();
    const resolved = store.resolve("beta/vendor/b-vision");
    expect("error" in resolved).toBe(false);
    if ("error" in resolved) return;
    expect(resolved).toMatchObject({
      name: "beta/vendor/b-vision",
      credential: "beta",
      model: "vendor/b-vision",
    });
    expect(resolved.provider.id).toBe("beta-provider");
  });

  it("names the known credentials for an unknown or malformed name", async () => {
    const store = await boot();
    const expected =
      'unknown model "gamma/x": the known credentials are alpha, beta (model names look like <credential>/<model>; run GET /models)';
    expect(store.resolve("gamma/x")).toEqual({ error: expected });
    expect(store.resolve("a-large")).toMatchObject({
      error: expect.stringContaining('unknown model "a-large"'),
    });
    expect(store.resolve("alpha/")).toMatchObject({ error: expect.stringContaining("alpha, beta") });
  });

  it("reports a credential whose provider is not registered", async () => {
    host = createHost({
      logger: createLogger({
        sink: { emit: () => {} },
        now: Date.now,
        newId: () => "x",
        extensionId: "host",
      }),
      now: Date.now,
      sleep: async () => {},
      extensions: [createCredentialStoreExtension({ credentials: [{ name: "c", providerId: "nowhere" }] })],
    });
    await host.activate();
    const store = host.api.getService(credentialStoreService);
    expect(store.resolve("c/m")).toEqual({
      error:
        'model "c/m": credential "c" uses provider "nowhere", which is not registered (check that its extension is active)',
    });
  });
});

describe("credential-store: default model", () => {
  it("keeps a qualified default and prefixes a bare one with the first credential", async () => {
    expect((await boot({ defaultModel: "beta/vendor/b-vision" })).defaultModel()).toBe(
      "beta/vendor/b-vision",
    );
    await host.deactivate();
    expect((await boot({ defaultModel: "vendor/model" })).defaultModel()).toBe("alpha/vendor/model");
    await host.deactivate();
    expect((await boot()).defaultModel()).toBeUndefined();
  });
});

describe("credential-store: catalog", () => {
  it("lists every credential's models with known info", async () => {
    const store = await boot();
    expect(await store.catalog()).toEqual({
      models: ["alpha/a-large", "alpha/a-small", "beta/vendor/b-vision"],
      modelInfo: { "alpha/a-large": { contextWindow: 128000 }, "beta/vendor/b-vision": { vision: true } },
    });
    expect(alpha.modelRequests[0]?.headers.authorization).toBe("Bearer ka");
  });

  it("caches a listing for 60 s", async () => {
    const store = await boot();
    await store.catalog();
    clock += 59_000;
    await store.catalog();
    expect(alpha.modelRequests).toHaveLength(1);
    clock += 2_000;
    await store.catalog();
    expect(alpha.modelRequests).toHaveLength(2);
    expect(beta.modelRequests).toHaveLength(2);
  });

  it("offers only the default model of a failing provider, logs why, and retries next time", async () => {
    alpha.setModels({ status: 500 });
    const store = await boot({ defaultModel: "alpha/a-large" });
    expect((await store.catalog()).models).toEqual(["alpha/a-large", "beta/vendor/b-vision"]);
    const warning = records.find((r) => r.kind === "log" && r.msg.startsWith("model list failed"));
    expect(warning?.attributes).toMatchObject({
      credential: "alpha",
      "error.message": expect.stringContaining("500"),
    });
    alpha.setModels(["a-new"]);
    expect((await store.catalog()).models).toEqual(["alpha/a-new", "beta/vendor/b-vision"]);
  });

  it("gives up on a provider that does not answer within the timeout", async () => {
    beta.setModels("stall");
    const store = await boot({ catalogTimeoutMs: 50 });
    expect((await store.catalog()).models).toEqual(["alpha/a-large", "alpha/a-small"]);
  });
});
