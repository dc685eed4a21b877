/**
 * Requests that wait longer than the HTTP server's idle timeout still get their answer instead of a
 * dropped connection: the NDJSON stream of a turn whose first token is slow, `GET
 * /conversations/:id/last` on that turn, and `POST .../compact` with a slow summary. The daemon's own extensions, with the HTTP idle timeout cut to 1 s (Bun enforces it
 * in ~4 s steps), against a scripted model whose first token takes 5 s.
 */
import { createHost, type Host, nullLogger, type Sleep } from "@dispatch/kernel";
import { sessionOrchestratorService } from "@dispatch/session-orchestrator";
import { type ScriptedModel, startScriptedModel, textReply } from "@dispatch/testkit";
import { createTransportHttpExtension, transportHttpService } from "@dispatch/transport-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import {
  type Api,
  apiOver,
  daemonEnv,
  openChat,
  readUntil,
  removeDir,
  TEST_TOKEN,
  tempDir,
} from "./e2e-harness.test.ts";
import { bundledExtensions } from "./extensions.ts";

/** Longer than Bun's first idle check (~4 s) for a 1 s idle timeout. */
const SLOW_MS = 5_000;

const sleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

let model: ScriptedModel;
let dataDir: string;
let host: Host;
let api: Api;

beforeAll(async () => {
  model = await startScriptedModel();
  model.respondWith((request) => {
    const messages = (request.body as { messages: { role: string; content?: unknown }[] }).messages;
    const last = messages.at(-1);
    if (last?.role === "user" && JSON.stringify(last.content).includes("take your time")) {
      return textReply("a slow answer", { firstTokenDelayMs: SLOW_MS });
    }
    return undefined;
  });
  dataDir = tempDir("long-requests");
  const config = loadConfig(daemonEnv(model, dataDir), dataDir);
  const extensions = bundledExtensions(config, TEST_TOKEN).map((extension) =>
    extension.manifest.id !== "transport-http"
      ? extension
      : createTransportHttpExtension({
          hostname: "127.0.0.1",
          port: 0,
          defaultCwd: config.defaultCwd,
          idleTimeoutSeconds: 1,
          security: {
            allowedHosts: [],
            allowedOrigins: [],
            token: TEST_TOKEN,
            tokenHint: "the test token",
            maxBodyBytes: 1024 * 1024,
          },
        }),
  );
  host = createHost({ extensions, logger: nullLogger, now: Date.now, sleep });
  await host.activate();
  const { url } = host.api.getService(transportHttpService);
  api = apiOver((path, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${TEST_TOKEN}`);
    return fetch(`${url}${path}`, { ...init, headers });
  });
});

afterAll(async () => {
  await host.api.getService(sessionOrchestratorService).shutdown(200);
  await host.deactivate();
  await model.close();
  removeDir(dataDir);
});

describe("requests slower than the idle timeout", () => {
  it("a quiet /chat stream, GET .../last on its turn and POST .../compact with a slow summary all get their answer", async () => {
    for (const message of ["first question", "second question"]) {
      await api.chat({ conversationId: "to-compact", message });
    }
    const turn = await openChat(api, { conversationId: "slow-turn", message: "take your time" });
    await readUntil(turn, (event) => event.type === "turn-start");
    model.enqueue(textReply("A summary.", { firstTokenDelayMs: SLOW_MS }));
    const [last, compact] = await Promise.all([
      api.call("GET", "/conversations/slow-turn/last"),
      api.call("POST", "/conversations/to-compact/compact", { keepLastN: 2 }),
    ]);
    expect(last).toEqual({
      status: 200,
      body: { conversationId: "slow-turn", content: "a slow answer", turnId: expect.any(String) },
    });
    expect(compact).toMatchObject({
      status: 200,
      body: { conversationId: "to-compact", newConversationId: expect.any(String), messagesKept: 2 },
    });
    expect((await readUntil(turn, () => false)).at(-1)?.type).toBe("turn-sealed");
  }, 20_000);
});
