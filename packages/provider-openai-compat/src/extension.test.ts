/**
 * The extension through a real host with auth-apikey: one provider per entry, credentials resolved
 * at call time (so a missing one is an `error` event, not a boot failure), streaming end to end.
 */
import { createAuthApiKeyExtension } from "@dispatch/auth-apikey";
import { createHost, type Extension, nullLogger, type ProviderEvent } from "@dispatch/kernel";
import { type ScriptedModel, startScriptedModel, textReply } from "@dispatch/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOpenAICompatProviderExtension } from "./extension.ts";

let model: ScriptedModel;

beforeEach(async () => {
  model = await startScriptedModel();
});

afterEach(async () => {
  await model.close();
});

async function boot(extensions: Extension[]) {
  const host = createHost({ extensions, logger: nullLogger, now: Date.now, sleep: async () => {} });
  await host.activate();
  return host;
}

describe("provider-openai-compat extension", () => {
  it("registers one provider per entry and streams through the configured credential", async () => {
    const host = await boot([
      createOpenAICompatProviderExtension({
        providers: [
          { id: "openai-compat", credential: "opencode" },
          { id: "other", credential: "absent" },
        ],
      }),
      createAuthApiKeyExtension({ credentials: { opencode: { baseURL: model.baseURL, apiKey: "k" } } }),
    ]);
    expect(host.status().map((s) => [s.id, s.state])).toEqual([
      ["auth-apikey", "active"],
      ["provider-openai-compat", "active"],
    ]);
    expect(host.api.providers().map((p) => p.id)).toEqual(["openai-compat", "other"]);
    model.enqueue(textReply("hello"));
    const request = {
      model: "m",
      messages: [{ role: "user" as const, chunks: [{ type: "text" as const, text: "hi" }] }],
      tools: [],
      signal: new AbortController().signal,
      logger: nullLogger,
    };
    const events: ProviderEvent[] = [];
    for await (const event of host.api.provider("openai-compat")?.stream(request) ?? []) events.push(event);
    expect(
      events.filter((e) => e.type === "text-delta").map((e) => (e.type === "text-delta" ? e.delta : "")),
    ).toEqual(["hello"]);
    const missing: ProviderEvent[] = [];
    for await (const event of host.api.provider("other")?.stream(request) ?? []) missing.push(event);
    expect(missing).toEqual([expect.objectContaining({ type: "error", code: "MISSING_CREDENTIALS" })]);
    await host.deactivate();
  });

  it("cannot boot without auth-apikey", () => {
    expect(() =>
      createHost({
        extensions: [createOpenAICompatProviderExtension({ providers: [] })],
        logger: nullLogger,
        now: Date.now,
        sleep: async () => {},
      }),
    ).toThrow("auth-apikey");
  });
});
