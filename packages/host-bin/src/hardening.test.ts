/**
 * Process-level hardening of the spawned daemon: it serves only once fully booted; stray failures
 * (an unhandled rejection, an exception from a timer, an `error` event without a listener) during
 * boot and later are logged and the daemon keeps serving; what it logs to stderr is redacted like
 * its journal; the data directory it creates is private to its user and out of the system prompt's
 * reach.
 */
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ScriptedModel, startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import type { AgentEvent } from "@dispatch/transport-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDir, until } from "./e2e-harness.test.ts";
import { type DaemonProcess, readNdjson, spawnDaemon } from "./spawn-daemon.ts";

const HAZARD_EXTENSION = join(import.meta.dir, "fixtures", "hazard-extension.ts");
const API_KEY = "sk-hazard-key-0123456789abcdefghij";
const TOKEN = "hardening-token-0123456789abcdef";

let model: ScriptedModel;
let parent: string;
let dataDir: string;
let daemon: DaemonProcess;

beforeAll(async () => {
  model = await startScriptedModel();
  parent = mkdtempSync(join(tmpdir(), "dispatch-hardening-"));
  // Does not exist yet, and the token comes from the environment: the daemon creates the directory.
  dataDir = join(parent, "state", "dispatch");
  daemon = await spawnDaemon({
    dataDir,
    cwd: parent,
    env: {
      DISPATCH_BASE_URL: model.baseURL,
      DISPATCH_API_KEY: API_KEY,
      DISPATCH_MODEL: "scripted-model",
      DISPATCH_TOKEN: TOKEN,
      DISPATCH_EXTERNAL_EXTENSIONS: HAZARD_EXTENSION,
    },
  });
});

afterAll(async () => {
  await daemon.kill();
  await model.close();
  removeDir(parent);
});

/** Waits until the daemon's stderr has a line containing `text`. */
function logged(text: string): Promise<true> {
  return until(() => (daemon.stderr().includes(text) ? true : undefined), `stderr to show "${text}"`);
}

async function chat(message: string): Promise<AgentEvent[]> {
  const res = await daemon.fetch("/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message }),
  });
  const events: AgentEvent[] = [];
  for await (const event of readNdjson<AgentEvent>(res)) events.push(event);
  return events;
}

describe("boot", () => {
  it("serves only once every extension, external ones too, is active", async () => {
    // The first request after /health answers: the slow external extension's tool is there.
    model.enqueue(toolCallReply("hazard", {}), textReply("done"));
    const events = await chat("set them off");
    expect(events.find((e) => e.type === "tool-result")).toMatchObject({ content: "armed" });
    expect(events.at(-1)?.type).toBe("turn-sealed");
  });
});

describe("process guards", () => {
  it("logs stray failures during boot and from a tool, and keeps serving", async () => {
    for (const kind of ["rejection", "exception", "emitter error"]) {
      await logged(`hazard: ${kind} during boot`);
    }
    for (const kind of ["rejection", "exception", "emitter error"]) {
      await logged(`hazard: ${kind} from a tool`);
    }
    expect(daemon.stderr()).toMatch(/ERROR \[host-bin\] unhandled rejection .*hazard: rejection from a tool/);
    expect(daemon.stderr()).toMatch(/ERROR \[host-bin\] uncaught exception .*hazard: exception from a tool/);
    expect(daemon.proc.exitCode).toBeNull();
    expect((await daemon.fetch("/health")).status).toBe(200);
    model.enqueue(textReply("still here"));
    expect((await chat("still there?")).at(-1)?.type).toBe("turn-sealed");
  }, 20_000);
});

describe("secrets on stderr", () => {
  it("redacts known keys and credential-shaped text in what the daemon logs", async () => {
    await logged("hazard: the provider echoed the key");
    const stderr = daemon.stderr();
    expect(stderr).toContain("Incorrect API key provided: [redacted]");
    expect(stderr).not.toContain(API_KEY);
    expect(stderr).not.toContain("hazard-0123456789abcdef");
    expect(stderr).not.toContain(TOKEN);
  });
});

describe("data directory", () => {
  it("is created readable by its user only, with the journal directory inside it", () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, "journal")).mode & 0o777).toBe(0o700);
  });

  it("stays out of the system prompt's file variables, though the cwd contains it", async () => {
    // The cwd is `parent`; the data directory (with its journal) lies below it.
    const template = "journal=[file:state/dispatch/journal/app.ndjson] db=[file:state/dispatch/dispatch.db]";
    const put = await daemon.fetch("/system-prompt", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ template }),
    });
    expect(put.status).toBe(200);
    model.enqueue(textReply("ok"));
    expect((await chat("what is in the prompt?")).at(-1)?.type).toBe("turn-sealed");
    const sent = model.requests.at(-1)?.body as { messages: { role: string; content: unknown }[] };
    expect(sent.messages[0]).toEqual({ role: "system", content: "journal= db=" });
  });
});
