/**
 * Regenerates the provider fixtures: runs each scenario through the REAL openai-compat provider
 * against the scripted model server, records the HTTP exchange (key redacted) and writes it to
 * packages/provider-openai-compat/src/__fixtures__/. Run: `bun packages/trace-replay/src/record-fixtures.ts [outDir]`.
 */
import { join } from "node:path";
import { createApiKeyService } from "@dispatch/auth-apikey";
import { nullLogger, type ProviderRequest } from "@dispatch/kernel";
import { createOpenAICompatProvider } from "@dispatch/provider-openai-compat";
import { errorReply, type Reply, startScriptedModel, textReply } from "@dispatch/testkit";
import { type HttpExchangeFixture, saveFixture } from "./fixture.ts";
import { recordFetch } from "./record.ts";

/** The key the scenarios call with; the recorder must redact it. */
const FIXTURE_KEY = "sk-fixture-secret-0001";
/** Recorded URLs point here instead of the scripted server's ephemeral port. */
const FIXTURE_BASE_URL = "http://scripted.test/v1";

/** The request inputs a fixture was recorded with (stored in `meta.providerRequest`). */
type RecordedInputs = Pick<
  ProviderRequest,
  "model" | "messages" | "tools" | "systemPrompt" | "reasoningEffort"
>;

interface Scenario {
  name: string;
  description: string;
  reply: Reply;
  inputs: RecordedInputs;
}

const TOOLS: ProviderRequest["tools"] = [
  {
    name: "read_file",
    description: "Reads a file",
    inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  },
  {
    name: "run_shell",
    description: "Runs a shell command",
    inputSchema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
  },
];

const SCENARIOS: Scenario[] = [
  {
    name: "text-reasoning-cached",
    description: "A text turn with reasoning_content and a usage chunk reporting cached prompt tokens",
    reply: textReply("The answer is 42, as computed.", {
      reasoning: "The user wants the answer. It is 42.",
      usage: { prompt_tokens: 1200, completion_tokens: 18, cached_tokens: 1024, reasoning_tokens: 9 },
    }),
    inputs: {
      model: "deepseek-v4-flash",
      systemPrompt: "You are a coding agent.",
      messages: [{ role: "user", chunks: [{ type: "text", text: "What is the answer?" }] }],
      tools: TOOLS,
      reasoningEffort: "high",
    },
  },
  {
    name: "parallel-tool-calls",
    description: "Two parallel tool calls whose JSON arguments are split across interleaved deltas",
    reply: {
      reasoning: "I need the file and the listing.",
      toolCalls: [
        { id: "call_read", name: "read_file", arguments: { path: "src/index.ts" }, chunks: 3 },
        { id: "call_ls", name: "run_shell", arguments: { command: "ls -la src" }, chunks: 4 },
      ],
      usage: { prompt_tokens: 900, completion_tokens: 40, cached_tokens: 512 },
    },
    inputs: {
      model: "deepseek-v4-flash",
      systemPrompt: "You are a coding agent.",
      messages: [{ role: "user", chunks: [{ type: "text", text: "Show me src/index.ts and list src." }] }],
      tools: TOOLS,
    },
  },
  {
    name: "rate-limited-429",
    description: "An HTTP 429 with an OpenAI-style error body and retry-after",
    reply: errorReply(429, "Rate limit reached for requests. Please try again in 2s.", {
      headers: { "retry-after": "2" },
    }),
    inputs: {
      model: "deepseek-v4-flash",
      messages: [{ role: "user", chunks: [{ type: "text", text: "hello" }] }],
      tools: [],
    },
  },
];

/** Records one scenario through the real provider. */
async function record(scenario: Scenario): Promise<HttpExchangeFixture> {
  const model = await startScriptedModel();
  try {
    model.enqueue(scenario.reply);
    let captured: (fixture: HttpExchangeFixture) => void = () => {};
    const exchange = new Promise<HttpExchangeFixture>((resolve) => {
      captured = resolve;
    });
    const provider = createOpenAICompatProvider({
      id: "openai-compat",
      credential: "fixture",
      keys: createApiKeyService({ fixture: { baseURL: model.baseURL, apiKey: FIXTURE_KEY } }),
      fetch: recordFetch(fetch, captured, { secrets: [FIXTURE_KEY] }),
    });
    const request: ProviderRequest = {
      ...scenario.inputs,
      signal: new AbortController().signal,
      logger: nullLogger,
    };
    for await (const _event of provider.stream(request)) {
      // Drain: the recorder reports the exchange once the body has been read.
    }
    const fixture = await exchange;
    return {
      request: { ...fixture.request, url: fixture.request.url.replace(model.baseURL, FIXTURE_BASE_URL) },
      response: {
        ...fixture.response,
        body: fixture.response.body.replace(/"created":\d+/g, '"created":1700000000'),
      },
      meta: {
        description: scenario.description,
        captured_by: "packages/trace-replay/src/record-fixtures.ts",
        version: 1,
        providerRequest: scenario.inputs,
      },
    };
  } finally {
    await model.close();
  }
}

const outDir = process.argv[2] ?? join(import.meta.dir, "../../provider-openai-compat/src/__fixtures__");
const written: string[] = [];
for (const scenario of SCENARIOS) {
  const path = join(outDir, `${scenario.name}.json`);
  await saveFixture(path, await record(scenario));
  written.push(path);
  process.stdout.write(`wrote ${path}\n`);
}
// Format like the rest of the repo so `biome check` stays clean.
const biome = join(import.meta.dir, "../../../node_modules/.bin/biome");
if (await Bun.file(biome).exists())
  Bun.spawnSync([biome, "format", "--write", ...written], { stdout: "ignore" });
