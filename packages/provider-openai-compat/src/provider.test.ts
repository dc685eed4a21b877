/**
 * The provider against the scripted model server (real HTTP, real SSE): streamed text, reasoning,
 * split parallel tool calls, usage with cache reads, error classification, abort and timeouts,
 * `listModels`, the request body actually sent and the `provider.request` span (never the key).
 */
import { createApiKeyService } from "@dispatch/auth-apikey";
import {
  createLogger,
  type LogRecord,
  type Provider,
  type ProviderEvent,
  type ProviderRequest,
} from "@dispatch/kernel";
import { errorReply, type ScriptedModel, startScriptedModel, textReply } from "@dispatch/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOpenAICompatProvider, type OpenAICompatProviderOptions } from "./provider.ts";

const SECRET = "sk-test-secret-4242";

let model: ScriptedModel;
let records: LogRecord[];

beforeEach(async () => {
  model = await startScriptedModel({ models: [{ id: "m1", context_length: 64000 }, "m2"] });
  records = [];
});

afterEach(async () => {
  await model.close();
});

function provider(overrides: Partial<OpenAICompatProviderOptions> = {}): Provider {
  const keys = createApiKeyService({ test: { baseURL: model.baseURL, apiKey: SECRET } });
  return createOpenAICompatProvider({ id: "openai-compat", credential: "test", keys, ...overrides });
}

function request(overrides: Partial<ProviderRequest> = {}): ProviderRequest {
  let next = 0;
  const logger = createLogger({
    sink: { emit: (record) => records.push(record) },
    now: Date.now,
    newId: () => `id-${++next}`,
    extensionId: "test",
  });
  return {
    model: "m1",
    messages: [{ role: "user", chunks: [{ type: "text", text: "hi" }] }],
    tools: [],
    signal: new AbortController().signal,
    logger,
    ...overrides,
  };
}

async function collect(p: Provider, req: ProviderRequest): Promise<ProviderEvent[]> {
  const events: ProviderEvent[] = [];
  for await (const event of p.stream(req)) events.push(event);
  return events;
}

function joined(events: ProviderEvent[], type: "text-delta" | "reasoning-delta"): string {
  return events.flatMap((e) => (e.type === type ? [e.delta] : [])).join("");
}

describe("provider: streaming", () => {
  it("streams reasoning, then text, then usage and finish", async () => {
    model.enqueue(textReply("Hello there world", { reasoning: "let me think" }));
    const events = await collect(provider(), request());
    expect(joined(events, "reasoning-delta")).toBe("let me think");
    expect(joined(events, "text-delta")).toBe("Hello there world");
    expect(events.filter((e) => e.type === "text-delta")).toHaveLength(3);
    const firstText = events.findIndex((e) => e.type === "text-delta");
    expect(events.findIndex((e) => e.type === "reasoning-delta")).toBeLessThan(firstText);
    expect(events.slice(-2).map((e) => e.type)).toEqual(["usage", "finish"]);
    expect(events.at(-1)).toEqual({ type: "finish", reason: "stop" });
  });

  it("assembles two parallel tool calls whose arguments arrive split and interleaved", async () => {
    model.enqueue({
      toolCalls: [
        { id: "call_a", name: "read_file", arguments: { path: "notes.txt" }, chunks: 3 },
        { id: "call_b", name: "run_shell", arguments: { command: "ls -la" }, chunks: 4 },
      ],
    });
    const events = await collect(provider(), request());
    const calls = events.filter((e) => e.type === "tool-call");
    expect(calls).toEqual([
      { type: "tool-call", toolCallId: "call_a", toolName: "read_file", input: { path: "notes.txt" } },
      { type: "tool-call", toolCallId: "call_b", toolName: "run_shell", input: { command: "ls -la" } },
    ]);
    expect(events.at(-1)).toEqual({ type: "finish", reason: "tool-calls" });
  });

  it("passes invalid tool-call JSON through as the raw string", async () => {
    model.enqueue({ toolCalls: [{ id: "c1", name: "read_file", arguments: '{"path": "x"' }] });
    const events = await collect(provider(), request());
    expect(events.find((e) => e.type === "tool-call")).toEqual({
      type: "tool-call",
      toolCallId: "c1",
      toolName: "read_file",
      input: '{"path": "x"',
    });
  });

  it("reports usage with cached tokens", async () => {
    model.enqueue(
      textReply("ok", {
        usage: { prompt_tokens: 100, completion_tokens: 9, cached_tokens: 64, reasoning_tokens: 3 },
      }),
    );
    const events = await collect(provider(), request());
    expect(events.find((e) => e.type === "usage")).toEqual({
      type: "usage",
      usage: { inputTokens: 100, outputTokens: 9, cacheReadTokens: 64 },
    });
  });

  it("passes unknown finish reasons through and maps length", async () => {
    model.enqueue(textReply("a", { finishReason: "length" }), textReply("b", { finishReason: "eos_token" }));
    expect((await collect(provider(), request())).at(-1)).toEqual({ type: "finish", reason: "length" });
    expect((await collect(provider(), request())).at(-1)).toEqual({ type: "finish", reason: "eos_token" });
  });
});

describe("provider: errors", () => {
  it.each([
    [429, "RATE_LIMITED", true],
    [500, "SERVER_ERROR", true],
    [503, "SERVER_ERROR", true],
    [408, "TIMEOUT", true],
    [400, "BAD_REQUEST", false],
    [401, "AUTH_FAILED", false],
    [404, "NOT_FOUND", false],
  ])("HTTP %i → %s", async (status, code, retryable) => {
    model.enqueue(errorReply(status, "scripted failure"));
    const events = await collect(provider(), request());
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "error", code, retryable });
    expect(events[0]?.type === "error" && events[0].message).toContain("scripted failure");
  });

  it("tells the user what to do about a rejected key, and never repeats the key", async () => {
    model.enqueue(errorReply(401, `Incorrect API key provided: ${SECRET}`));
    const [event] = await collect(provider(), request());
    expect(event).toMatchObject({ type: "error", code: "AUTH_FAILED", retryable: false });
    const message = event?.type === "error" ? event.message : "";
    expect(message).toContain("the provider rejected the API key: check DISPATCH_API_KEY");
    expect(message).not.toContain(SECRET);
    expect(JSON.stringify(records)).not.toContain(SECRET);
  });

  it("reports an unreachable server as a retryable network error", async () => {
    const keys = createApiKeyService({ test: { baseURL: model.baseURL, apiKey: SECRET } });
    await model.close();
    const events = await collect(
      createOpenAICompatProvider({ id: "p", credential: "test", keys }),
      request(),
    );
    expect(events).toEqual([
      expect.objectContaining({ type: "error", code: "NETWORK_ERROR", retryable: true }),
    ]);
  });

  it("names the env vars when the credential is missing, without calling the server", async () => {
    const keys = createApiKeyService({});
    const events = await collect(
      createOpenAICompatProvider({ id: "p", credential: "nope", keys }),
      request(),
    );
    expect(events).toEqual([
      expect.objectContaining({ type: "error", code: "MISSING_CREDENTIALS", retryable: false }),
    ]);
    const message = events[0]?.type === "error" ? events[0].message : "";
    expect(message).toContain("DISPATCH_BASE_URL");
    expect(message).toContain("DISPATCH_API_KEY");
    expect(model.requests).toHaveLength(0);
  });
});

describe("provider: abort and timeouts", () => {
  it("ends quietly on abort and cancels the HTTP request", async () => {
    model.enqueue(textReply("one two three", { stallAfter: 1 }));
    const controller = new AbortController();
    const events: ProviderEvent[] = [];
    for await (const event of provider().stream(request({ signal: controller.signal }))) {
      events.push(event);
      controller.abort();
    }
    expect(events).toEqual([{ type: "text-delta", delta: "one " }]);
    expect(await model.requests[0]?.ended).toBe("aborted");
  });

  it("cancels the request when the consumer stops iterating", async () => {
    model.enqueue(textReply("one two three", { stallAfter: 1 }));
    for await (const event of provider().stream(request())) {
      expect(event.type).toBe("text-delta");
      break;
    }
    expect(await model.requests[0]?.ended).toBe("aborted");
  });

  it("fails with a retryable TIMEOUT when a started stream goes idle", async () => {
    model.enqueue(textReply("one two three", { stallAfter: 1 }));
    const events = await collect(provider({ idleTimeoutMs: 50 }), request());
    expect(events[0]).toEqual({ type: "text-delta", delta: "one " });
    expect(events.at(-1)).toMatchObject({ type: "error", code: "TIMEOUT", retryable: true });
    expect(await model.requests[0]?.ended).toBe("aborted");
  });

  it("keeps a stream alive while bytes keep coming, even past the idle timeout in total", async () => {
    const words = Array.from({ length: 12 }, (_, i) => `w${i} `);
    model.enqueue(textReply(words, { tokenDelayMs: 20 }));
    const events = await collect(provider({ idleTimeoutMs: 150 }), request());
    expect(joined(events, "text-delta")).toBe(words.join(""));
    expect(events.at(-1)).toEqual({ type: "finish", reason: "stop" });
  });

  it("fails with a retryable TIMEOUT when the first byte never comes", async () => {
    model.enqueue(textReply("late", { stallAfter: 0 }));
    const events = await collect(provider({ firstByteTimeoutMs: 50 }), request());
    expect(events).toEqual([expect.objectContaining({ type: "error", code: "TIMEOUT", retryable: true })]);
    expect(await model.requests[0]?.ended).toBe("aborted");
  });
});

describe("provider: request body and span", () => {
  it("sends the history in OpenAI shape with the system prompt, tools, effort and max tokens", async () => {
    await collect(
      provider(),
      request({
        systemPrompt: "You are terse.",
        reasoningEffort: "xhigh",
        maxOutputTokens: 256,
        tools: [
          {
            name: "read_file",
            description: "Reads a file",
            inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
          },
        ],
        messages: [
          { role: "user", chunks: [{ type: "text", text: "read notes" }] },
          {
            role: "assistant",
            chunks: [
              { type: "thinking", text: "need the file" },
              { type: "text", text: "Reading." },
              {
                type: "tool-call",
                toolCallId: "call_1",
                toolName: "read_file",
                input: { path: "notes.txt" },
              },
              { type: "error", message: "dropped" },
            ],
          },
          {
            role: "tool",
            chunks: [
              {
                type: "tool-result",
                toolCallId: "call_1",
                toolName: "read_file",
                content: "hello",
                isError: false,
              },
            ],
          },
          { role: "user", chunks: [{ type: "system", text: "notice" }] },
        ],
      }),
    );
    const body = model.requests[0]?.body as Record<string, unknown>;
    expect(body.messages).toEqual([
      { role: "system", content: "You are terse." },
      { role: "user", content: "read notes" },
      {
        role: "assistant",
        content: "Reading.",
        reasoning_content: "need the file",
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "read_file", arguments: '{"path":"notes.txt"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "hello" },
    ]);
    expect(body.tools).toEqual([
      {
        type: "function",
        function: {
          name: "read_file",
          description: "Reads a file",
          parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
        },
      },
    ]);
    expect(body).toMatchObject({
      model: "m1",
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: "high",
      max_tokens: 256,
    });
    expect(model.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it("forwards image URLs to the provider without downloading them", async () => {
    const events = await collect(
      provider(),
      request({
        messages: [
          {
            role: "user",
            chunks: [
              { type: "text", text: "describe" },
              { type: "image", url: "https://images.invalid/cat.png", mimeType: "image/png" },
            ],
          },
        ],
      }),
    );
    expect(events.at(-1)).toEqual({ type: "finish", reason: "stop" });
    const body = model.requests[0]?.body as { messages: unknown[] };
    expect(body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "describe" },
          { type: "image_url", image_url: { url: "https://images.invalid/cat.png" } },
        ],
      },
    ]);
  });

  it("records one provider.request span with the verbatim body and call attributes, never the key", async () => {
    model.enqueue(textReply("ok", { usage: { prompt_tokens: 10, completion_tokens: 2, cached_tokens: 4 } }));
    await collect(provider(), request());
    const open = records.filter((r) => r.kind === "span-open" && r.name === "provider.request");
    const close = records.filter((r) => r.kind === "span-close" && r.name === "provider.request");
    expect(open).toHaveLength(1);
    expect(close).toHaveLength(1);
    const [span] = close;
    expect(JSON.parse(span?.body ?? "")).toEqual(model.requests[0]?.body);
    expect(span?.attributes).toMatchObject({
      provider: "openai-compat",
      model: "m1",
      url: `${model.baseURL}/chat/completions`,
      status: 200,
      finishReason: "stop",
      inputTokens: 10,
      outputTokens: 2,
      cacheReadTokens: 4,
    });
    expect(span?.kind === "span-close" && span.status).toBe("ok");
    expect(JSON.stringify(records)).not.toContain(SECRET);
  });

  it("closes the span as an error with the code on failure", async () => {
    model.enqueue(errorReply(500, "boom"));
    await collect(provider(), request());
    const close = records.find((r) => r.kind === "span-close" && r.name === "provider.request");
    expect(close?.kind === "span-close" && close.status).toBe("error");
    expect(close?.attributes).toMatchObject({ status: 500, errorCode: "SERVER_ERROR", retryable: true });
  });
});

describe("provider: one provider, many calls", () => {
  it("uses the key, endpoint and model current at each call", async () => {
    const other = await startScriptedModel();
    try {
      const current = { baseURL: model.baseURL, apiKey: "sk-first-0000" };
      const keys = { resolve: () => ({ ...current }), names: () => ["test"] };
      const p = createOpenAICompatProvider({ id: "openai-compat", credential: "test", keys });
      await collect(p, request());
      current.apiKey = "sk-second-1111";
      await collect(p, request({ model: "m2" }));
      current.baseURL = other.baseURL;
      await collect(p, request());
      expect(model.requests.map((r) => r.headers.authorization)).toEqual([
        "Bearer sk-first-0000",
        "Bearer sk-second-1111",
      ]);
      expect(model.requests.map((r) => (r.body as { model: string }).model)).toEqual(["m1", "m2"]);
      expect(other.requests[0]?.headers.authorization).toBe("Bearer sk-second-1111");
    } finally {
      await other.close();
    }
  });

  it("keeps concurrent calls apart: each span has its own body, each timeout its own call", async () => {
    model.respondWith((req) => {
      const text = JSON.stringify(req.body);
      return text.includes("stall") ? textReply("one two", { stallAfter: 1 }) : textReply("fine");
    });
    const p = provider({ idleTimeoutMs: 100 });
    const ask = (text: string) => request({ messages: [{ role: "user", chunks: [{ type: "text", text }] }] });
    const [stalled, fine] = await Promise.all([collect(p, ask("please stall")), collect(p, ask("be fine"))]);
    expect(stalled.at(-1)).toMatchObject({ type: "error", code: "TIMEOUT" });
    expect(fine.at(-1)).toEqual({ type: "finish", reason: "stop" });
    const bodies = records
      .filter((r) => r.kind === "span-close" && r.name === "provider.request")
      .map((r) => JSON.parse(r.body ?? "{}") as { messages: { content: string }[] });
    expect(bodies.map((b) => b.messages[0]?.content).sort()).toEqual(["be fine", "please stall"]);
  });
});

describe("provider: listModels", () => {
  it("lists the server's models with the context window, sending the key", async () => {
    const models = await provider().listModels?.();
    expect(models).toEqual([{ id: "m1", contextWindow: 64000 }, { id: "m2" }]);
    expect(model.modelRequests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it("rejects with a classified message on an HTTP error", async () => {
    model.setModels({ status: 401, body: { error: { message: `bad key ${SECRET}` } } });
    const failure = provider().listModels?.();
    await expect(failure).rejects.toThrow("check DISPATCH_API_KEY");
    await expect(failure).rejects.not.toThrow(SECRET);
  });

  it("rejects on timeout when the server never answers", async () => {
    model.setModels("stall");
    await expect(provider({ firstByteTimeoutMs: 50 }).listModels?.()).rejects.toThrow(
      "did not start answering",
    );
  });
});
