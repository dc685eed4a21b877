/**
 * Hermetic tests: fixtures recorded through this provider (packages/trace-replay/src/record-fixtures.ts)
 * are replayed through it in 7-byte pieces, so SSE lines, JSON and UTF-8 are split at arbitrary
 * points. Each test also checks that the provider still sends exactly the recorded request body.
 */
import { createApiKeyService } from "@dispatch/auth-apikey";
import { nullLogger, type ProviderEvent, type ProviderRequest } from "@dispatch/kernel";
import { type HttpExchangeFixture, loadFixture, replayFetch } from "@dispatch/trace-replay";
import { describe, expect, it } from "vitest";
import { createOpenAICompatProvider } from "./provider.ts";

const FIXTURES = `${import.meta.dir}/__fixtures__`;

async function replay(
  name: string,
): Promise<{ events: ProviderEvent[]; fixture: HttpExchangeFixture; sent: unknown }> {
  const fixture = await loadFixture(`${FIXTURES}/${name}.json`);
  const replayer = replayFetch(fixture, { chunkBytes: 7 });
  const provider = createOpenAICompatProvider({
    id: "openai-compat",
    credential: "fixture",
    keys: createApiKeyService({ fixture: { baseURL: "http://scripted.test/v1", apiKey: "sk-replay" } }),
    fetch: replayer.fetch,
  });
  const inputs = fixture.meta?.providerRequest as Omit<ProviderRequest, "signal" | "logger">;
  const events: ProviderEvent[] = [];
  for await (const event of provider.stream({
    ...inputs,
    signal: new AbortController().signal,
    logger: nullLogger,
  })) {
    events.push(event);
  }
  expect(replayer.requests).toHaveLength(1);
  expect(replayer.requests[0]?.url).toBe(fixture.request.url);
  return { events, fixture, sent: JSON.parse(replayer.requests[0]?.body ?? "null") };
}

const deltas = (events: ProviderEvent[], type: "text-delta" | "reasoning-delta") =>
  events.flatMap((e) => (e.type === type ? [e.delta] : [])).join("");

describe("replayed fixtures", () => {
  it("text turn: reasoning_content, text and cached-token usage survive 7-byte chunking", async () => {
    const { events, fixture, sent } = await replay("text-reasoning-cached");
    expect(sent).toEqual(JSON.parse(fixture.request.body ?? "null"));
    expect(sent).toMatchObject({ reasoning_effort: "high" });
    expect(deltas(events, "reasoning-delta")).toBe("The user wants the answer. It is 42.");
    expect(deltas(events, "text-delta")).toBe("The answer is 42, as computed.");
    expect(events.slice(-2)).toEqual([
      { type: "usage", usage: { inputTokens: 1200, outputTokens: 18, cacheReadTokens: 1024 } },
      { type: "finish", reason: "stop" },
    ]);
  });

  it("tool turn: two parallel calls with interleaved split arguments are assembled", async () => {
    const { events, fixture, sent } = await replay("parallel-tool-calls");
    expect(sent).toEqual(JSON.parse(fixture.request.body ?? "null"));
    expect(events.filter((e) => e.type === "tool-call")).toEqual([
      { type: "tool-call", toolCallId: "call_read", toolName: "read_file", input: { path: "src/index.ts" } },
      { type: "tool-call", toolCallId: "call_ls", toolName: "run_shell", input: { command: "ls -la src" } },
    ]);
    expect(events.at(-1)).toEqual({ type: "finish", reason: "tool-calls" });
    expect(events.find((e) => e.type === "usage")).toEqual({
      type: "usage",
      usage: { inputTokens: 900, outputTokens: 40, cacheReadTokens: 512 },
    });
  });

  it("HTTP 429: one retryable RATE_LIMITED error carrying the provider's message", async () => {
    const { events, fixture, sent } = await replay("rate-limited-429");
    expect(sent).toEqual(JSON.parse(fixture.request.body ?? "null"));
    expect(events).toEqual([
      {
        type: "error",
        code: "RATE_LIMITED",
        retryable: true,
        message: expect.stringContaining("Rate limit reached for requests"),
      },
    ]);
  });

  it("fixtures hold no credentials", async () => {
    for (const name of ["text-reasoning-cached", "parallel-tool-calls", "rate-limited-429"]) {
      const fixture = await loadFixture(`${FIXTURES}/${name}.json`);
      expect(fixture.request.headers.authorization).toBe("[redacted]");
      expect(JSON.stringify(fixture)).not.toContain("sk-fixture-secret");
    }
  });
});
