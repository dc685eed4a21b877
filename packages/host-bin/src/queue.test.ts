/**
 * The message queue and steering through the real daemon process: a message queued over HTTP while
 * a multi-step tool turn runs is injected after the next tool result (one `steering` event, one
 * user message in the model's next request and in the persisted history); one queued after the
 * last tool call starts the next turn once the turn seals; closing a conversation drops its queue;
 * and a queued message survives a restart.
 */
import { type ScriptedModel, startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import type { AgentEvent, StoredChunk } from "@dispatch/transport-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Api,
  apiOver,
  daemonEnv,
  gate,
  openChat,
  readUntil,
  removeDir,
  sentMessages,
  tempDir,
  textOf,
  until,
} from "./e2e-harness.test.ts";
import { type DaemonProcess, spawnDaemon } from "./spawn-daemon.ts";

let model: ScriptedModel;
let dataDir: string;
let daemon: DaemonProcess;
let api: Api;

/** The spawned daemon's environment: the in-process defaults minus what `spawnDaemon` sets itself. */
function env(): Record<string, string> {
  const { BACKEND_PORT: _port, DISPATCH_DATA_DIR: _dir, ...rest } = daemonEnv(model, dataDir);
  return rest;
}

async function start(): Promise<void> {
  daemon = await spawnDaemon({ dataDir, env: env() });
  api = apiOver((path, init) => daemon.fetch(path, init));
}

/** `role:type` of each stored chunk, with the text of text chunks. */
async function historyOf(conversationId: string): Promise<string[]> {
  const reply = await api.call<{ chunks: StoredChunk[] }>("GET", `/conversations/${conversationId}`);
  return reply.body.chunks.map(({ role, chunk }) =>
    chunk.type === "text" ? `${role}:text:${chunk.text}` : `${role}:${chunk.type}`,
  );
}

beforeAll(async () => {
  model = await startScriptedModel();
  dataDir = tempDir("queue");
  await start();
});
afterAll(async () => {
  await daemon.stop();
  await model.close();
  removeDir(dataDir);
});

describe("message queue and steering", () => {
  it("injects messages queued during a tool step after its result, as one steering event, and persists them", async () => {
    const g = gate(dataDir, "steer");
    model.enqueue(
      toolCallReply("gate", { path: g.path }),
      toolCallReply("echo", { text: "second step" }),
      textReply("all done"),
    );
    const firstRequest = model.requests.length;
    const events = await openChat(api, { conversationId: "steer", message: "run the tools" });
    const seen = await readUntil(events, (e) => e.type === "tool-call");

    const first = await api.call("POST", "/conversations/steer/queue", { text: "first steer" });
    expect(first.body).toMatchObject({ startedTurn: false, queue: [{ text: "first steer" }] });
    const second = await api.call("POST", "/conversations/steer/queue", { message: "second steer" });
    expect(second.body).toMatchObject({
      startedTurn: false,
      queue: [{ text: "first steer" }, { text: "second steer" }],
    });
    g.open();
    seen.push(...(await readUntil(events, (e) => e.type === "turn-sealed")));

    const steering = seen.filter((e) => e.type === "steering");
    expect(steering).toEqual([
      expect.objectContaining({
        type: "steering",
        text: "first steer\n\nsecond steer",
        conversationId: "steer",
      }),
    ]);
    const order = seen.map((e: AgentEvent) => (e.type === "tool-call" ? `call:${e.toolName}` : e.type));
    const at = (type: string) => order.indexOf(type);
    expect(at("call:gate")).toBeLessThan(at("tool-result"));
    expect(at("tool-result")).toBeLessThan(at("steering"));
    expect(at("steering")).toBeLessThan(at("call:echo"));

    // The model's second request ends with the tool result, then the steering as one user message.
    const sent = sentMessages(model.requests[firstRequest + 1]);
    expect(sent.slice(-2).map((m) => m.role)).toEqual(["tool", "user"]);
    expect(textOf(sent.at(-1))).toBe("first steer\n\nsecond steer");

    expect(await historyOf("steer")).toEqual([
      "user:text:run the tools",
      "assistant:tool-call",
      "tool:tool-result",
      "user:text:first steer\n\nsecond steer",
      "assistant:tool-call",
      "tool:tool-result",
      "assistant:text:all done",
    ]);
  });

  it("starts the next turn with a message queued after the last tool call, once the turn seals", async () => {
    // The final answer is held back long enough for the queue request to land while it streams.
    model.enqueue(
      toolCallReply("echo", { text: "only step" }),
      textReply("final answer", { firstTokenDelayMs: 1000 }),
    );
    const before = model.requests.length;
    const events = await openChat(api, { conversationId: "carry", message: "one tool, then answer" });
    await readUntil(events, (e) => e.type === "tool-result");
    await model.waitForRequests(before + 2);
    model.enqueue(textReply("follow-up answer"));
    const queued = await api.call("POST", "/conversations/carry/queue", { text: "follow-up" });
    expect(queued.body).toMatchObject({ startedTurn: false, queue: [{ text: "follow-up" }] });
    const rest = await readUntil(events, (e) => e.type === "turn-sealed");
    expect(rest.some((e) => e.type === "steering")).toBe(false);

    const expected = [
      "user:text:one tool, then answer",
      "assistant:tool-call",
      "tool:tool-result",
      "assistant:text:final answer",
      "user:text:follow-up",
      "assistant:text:follow-up answer",
    ];
    expect(
      await until(
        async () => ((await historyOf("carry")).length === 6 ? historyOf("carry") : undefined),
        "the carried turn",
      ),
    ).toEqual(expected);
    expect(textOf(sentMessages(model.requests[before + 2]).at(-1))).toBe("follow-up");
  });

  it("drops the queue of a conversation that is closed, so nothing is carried or redelivered", async () => {
    const g = gate(dataDir, "closing");
    model.enqueue(toolCallReply("gate", { path: g.path }));
    const events = await openChat(api, { conversationId: "closing", message: "hold on" });
    await readUntil(events, (e) => e.type === "tool-call");
    const queued = await api.call<{ queue: { id: string }[] }>("POST", "/conversations/closing/queue", {
      text: "never delivered",
    });
    const id = queued.body.queue[0]?.id ?? "";
    expect((await api.call("POST", "/conversations/closing/close")).body).toMatchObject({
      abortedTurn: true,
    });
    await readUntil(events, (e) => e.type === "turn-sealed");
    expect((await api.call("DELETE", `/conversations/closing/queue/${id}`)).body).toEqual({
      conversationId: "closing",
      cancelled: false,
      queue: [],
    });
    expect((await historyOf("closing")).some((c) => c.includes("never delivered"))).toBe(false);
  });

  it("keeps a queued message across a restart and delivers it as a turn at boot", async () => {
    const g = gate(dataDir, "restart");
    model.enqueue(toolCallReply("gate", { path: g.path }));
    const events = await openChat(api, { conversationId: "survivor", message: "hold on" });
    await readUntil(events, (e) => e.type === "tool-call");
    const queued = await api.call("POST", "/conversations/survivor/queue", { text: "after the restart" });
    expect(queued.body).toMatchObject({ startedTurn: false, queue: [{ text: "after the restart" }] });

    expect(await daemon.stop()).toBe(0);
    model.enqueue(textReply("answered after the restart"));
    await start();

    const history = await until(async () => {
      const chunks = await historyOf("survivor");
      return chunks.at(-1) === "assistant:text:answered after the restart" ? chunks : undefined;
    }, "the queued message's turn after the restart");
    expect(history.slice(-2)).toEqual([
      "user:text:after the restart",
      "assistant:text:answered after the restart",
    ]);
    expect(history.filter((c) => c === "user:text:after the restart")).toHaveLength(1);
  });
});
