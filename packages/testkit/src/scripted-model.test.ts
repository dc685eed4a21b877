/**
 * Tests of the scripted model server through raw `fetch`: the exact SSE framing, split tool-call
 * arguments, the usage chunk, HTTP errors, `/v1/models`, and a client abort observed server-side.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorReply, splitTokens, textReply, toolCallReply } from "./reply.ts";
import { preciseNow, type ScriptedModel, startScriptedModel } from "./scripted-model.ts";

type ChunkJson = {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: { index: number; delta: Record<string, unknown>; finish_reason: string | null }[];
  usage?: Record<string, unknown>;
};

let model: ScriptedModel;

beforeEach(async () => {
  model = await startScriptedModel();
});

afterEach(async () => {
  await model.close();
});

function chat(body: Record<string, unknown>, init: RequestInit = {}): Promise<Response> {
  return fetch(`${model.baseURL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: JSON.stringify({ model: "m1", stream: true, messages: [{ role: "user", content: "hi" }], ...body }),
    ...init,
  });
}

/** Splits a complete SSE body into its `data:` payloads, checking the framing on the way. */
function sseData(raw: string): string[] {
  expect(raw.endsWith("\n\n")).toBe(true);
  const events = raw.slice(0, -2).split("\n\n");
  return events.map((event) => {
    expect(event.startsWith("data: ")).toBe(true);
    return event.slice("data: ".length);
  });
}

function chunksOf(raw: string): ChunkJson[] {
  const data = sseData(raw);
  expect(data.at(-1)).toBe("[DONE]");
  return data.slice(0, -1).map((d) => JSON.parse(d) as ChunkJson);
}

describe("scripted model: streams", () => {
  it("streams text as word tokens in OpenAI chunk frames, role first, then finish and [DONE]", async () => {
    model.enqueue(textReply("Hello brave new world"));
    const res = await chat({});
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const chunks = chunksOf(await res.text());
    expect(chunks.map((c) => c.choices[0]?.delta.content)).toEqual([
      "Hello ",
      "brave ",
      "new ",
      "world",
      undefined,
    ]);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks[1]?.choices[0]?.delta.role).toBeUndefined();
    for (const c of chunks) {
      expect(c.object).toBe("chat.completion.chunk");
      expect(c.model).toBe("m1");
      expect(c.id).toBe(chunks[0]?.id ?? "");
    }
    expect(chunks.at(-1)?.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "stop" });
    expect(chunks.some((c) => c.usage !== undefined)).toBe(false);
  });

  it("streams reasoning_content before content and a usage chunk with details when include_usage", async () => {
    model.enqueue(
      textReply(["A", "B"], {
        reasoning: ["think ", "hard"],
        usage: { prompt_tokens: 100, completion_tokens: 9, cached_tokens: 64, reasoning_tokens: 3 },
      }),
    );
    const chunks = chunksOf(await (await chat({ stream_options: { include_usage: true } })).text());
    const deltas = chunks.flatMap((c) => c.choices.map((choice) => choice.delta));
    expect(deltas.slice(0, 4)).toEqual([
      { role: "assistant", reasoning_content: "think " },
      { reasoning_content: "hard" },
      { content: "A" },
      { content: "B" },
    ]);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({
      prompt_tokens: 100,
      completion_tokens: 9,
      total_tokens: 109,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 3 },
    });
  });

  it("sends an estimated usage when the reply scripts none", async () => {
    const chunks = chunksOf(await (await chat({ stream_options: { include_usage: true } })).text());
    const usage = chunks.at(-1)?.usage as { prompt_tokens: number; completion_tokens: number };
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBe(1);
  });

  it("splits the arguments of parallel tool calls across interleaved index-tagged deltas", async () => {
    model.enqueue({
      toolCalls: [
        { id: "call_a", name: "read_file", arguments: { path: "notes.txt" }, chunks: 3 },
        { name: "run_shell", arguments: '{"command":"ls"}' },
      ],
    });
    const chunks = chunksOf(await (await chat({})).text());
    const calls = chunks.flatMap((c) => (c.choices[0]?.delta.tool_calls as Record<string, unknown>[]) ?? []);
    expect(calls[0]).toEqual({
      index: 0,
      id: "call_a",
      type: "function",
      function: { name: "read_file", arguments: "" },
    });
    expect(calls[1]).toMatchObject({ index: 1, id: "call_1", function: { name: "run_shell" } });
    expect(calls.slice(2).map((c) => c.index)).toEqual([0, 1, 0, 1, 0]);
    const argsOf = (index: number) =>
      calls
        .filter((c) => c.index === index)
        .map((c) => (c.function as { arguments: string }).arguments)
        .join("");
    expect(JSON.parse(argsOf(0))).toEqual({ path: "notes.txt" });
    expect(argsOf(1)).toBe('{"command":"ls"}');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("toolCallReply builds a one-call reply with the given id and split", () => {
    expect(toolCallReply("t", { a: 1 }, { id: "x", chunks: 4, tokenDelayMs: 5 })).toEqual({
      tokenDelayMs: 5,
      toolCalls: [{ name: "t", arguments: { a: 1 }, id: "x", chunks: 4 }],
    });
  });

  it("splitTokens keeps every character", () => {
    const text = "  leading and   trailing spaces \n";
    expect(splitTokens(text).join("")).toBe(text);
  });
});

describe("scripted model: scripting and recording", () => {
  it("answers an error reply with its status, JSON body and headers", async () => {
    model.enqueue(errorReply(429, "slow down", { headers: { "retry-after": "3" } }));
    const res = await chat({});
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(await res.json()).toEqual({ error: { message: "slow down", type: "scripted_error", code: 429 } });
  });

  it("prefers respondWith, then the queue, then the fallback", async () => {
    const fallbackModel = await startScriptedModel({ fallback: textReply("fallback") });
    try {
      fallbackModel.respondWith((req) =>
        (req.body as { model: string }).model === "dyn" ? textReply("dynamic") : undefined,
      );
      fallbackModel.enqueue(textReply("queued"));
      const send = async (name: string) => {
        const res = await fetch(`${fallbackModel.baseURL}/chat/completions`, {
          method: "POST",
          body: JSON.stringify({ model: name, stream: true }),
        });
        return chunksOf(await res.text())
          .map((c) => c.choices[0]?.delta.content ?? "")
          .join("");
      };
      expect(await send("dyn")).toBe("dynamic");
      expect(await send("m")).toBe("queued");
      expect(await send("m")).toBe("fallback");
      expect(fallbackModel.requests).toHaveLength(3);
    } finally {
      await fallbackModel.close();
    }
  });

  it("records body, lowercased headers and completion of each chat request", async () => {
    await (await chat({ temperature: 0 })).text();
    await model.waitForRequests(1);
    const [request] = model.requests;
    expect(request?.path).toBe("/v1/chat/completions");
    expect(request?.body).toMatchObject({ model: "m1", temperature: 0 });
    expect(request?.headers.authorization).toBe("Bearer sk-test");
    expect(await request?.ended).toBe("completed");
    expect(request?.aborted).toBe(false);
  });

  it("stamps when the body arrived and when the first and last chunks were written, in order", async () => {
    model.enqueue(textReply("one two three", { tokenDelayMs: 5 }));
    const before = preciseNow();
    await (await chat({})).text();
    const after = preciseNow();
    const [request] = model.requests;
    const { receivedAt, firstChunkAt, lastChunkAt } = request ?? {};
    expect(receivedAt).toBeGreaterThanOrEqual(before);
    expect(firstChunkAt).toBeGreaterThanOrEqual(receivedAt ?? Number.POSITIVE_INFINITY);
    // Three text chunks and a finish chunk follow the first one, each 5 ms apart.
    expect((lastChunkAt ?? 0) - (firstChunkAt ?? 0)).toBeGreaterThanOrEqual(14);
    expect(lastChunkAt).toBeLessThanOrEqual(after);
  });

  it("leaves the chunk stamps unset for an error reply", async () => {
    model.enqueue(errorReply(500));
    await (await chat({})).text();
    expect(model.requests[0]?.firstChunkAt).toBeUndefined();
    expect(model.requests[0]?.lastChunkAt).toBeUndefined();
  });

  it("waitForRequests rejects with a clear message when too few requests arrive", async () => {
    await expect(model.waitForRequests(1, 20)).rejects.toThrow("expected 1 chat requests, got 0");
  });

  it("stalls after N chunks and observes the client abort", async () => {
    model.enqueue(textReply("one two three", { stallAfter: 1 }));
    const controller = new AbortController();
    const res = await chat({}, { signal: controller.signal });
    const reader = res.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toContain('"content":"one "');
    controller.abort();
    const [request] = model.requests;
    expect(await request?.ended).toBe("aborted");
    expect(request?.aborted).toBe(true);
  });
});

describe("scripted model: /v1/models", () => {
  it("lists the configured models in the OpenAI list shape, with extra fields", async () => {
    model.setModels(["a", { id: "b", context_length: 128000 }]);
    const res = await fetch(`${model.baseURL}/models`);
    expect(await res.json()).toEqual({
      object: "list",
      data: [
        { id: "a", object: "model", created: 0, owned_by: "testkit" },
        { id: "b", object: "model", created: 0, owned_by: "testkit", context_length: 128000 },
      ],
    });
    expect(model.modelRequests).toHaveLength(1);
    expect(model.requests).toHaveLength(0);
  });

  it("answers a scripted error status", async () => {
    model.setModels({ status: 503 });
    const res = await fetch(`${model.baseURL}/models`);
    expect(res.status).toBe(503);
  });

  it("answers 404 on unknown routes", async () => {
    const res = await fetch(`${model.baseURL}/nope`);
    expect(res.status).toBe(404);
  });
});
