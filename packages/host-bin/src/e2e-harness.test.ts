/**
 * Shared fixtures of the issue-3 end-to-end tests (this file holds no tests): the daemon booted
 * in-process by `startDaemon` (real config, real extensions, real HTTP on 127.0.0.1 port 0, real
 * SQLite in a temp dir), a small JSON client over any `fetch`, and readers for what the scripted
 * model (the one faked edge) was sent.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedRequest, ScriptedModel } from "@dispatch/testkit";
import type { AgentEvent } from "@dispatch/transport-contract";
import { type Daemon, startDaemon } from "./main.ts";
import { readNdjson } from "./spawn-daemon.ts";

/** The test tools (`echo`, `wait`) and the probe tools (`gate`, `where`), as DISPATCH_EXTERNAL_EXTENSIONS. */
export const TOOL_EXTENSIONS = [
  join(import.meta.dir, "fixtures", "test-tools-extension.ts"),
  join(import.meta.dir, "fixtures", "probe-tools-extension.ts"),
].join(",");

/** The bearer token the in-process daemons use. */
export const TEST_TOKEN = "e2e-test-token-0123456789abcdef";

/** A fresh temp directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `dispatch-${prefix}-`));
}

/** Removes a temp directory. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A status and parsed JSON body. */
export interface JsonReply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** A JSON client over a daemon's authenticated `fetch`. */
export interface Api {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Sends `body` as JSON (when given) and parses the JSON answer. */
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<JsonReply<T>>;
  /** `POST /chat` and every NDJSON event until the stream ends. */
  chat(body: Record<string, unknown>): Promise<AgentEvent[]>;
}

/** Builds an `Api` over an authenticated fetch. */
export function apiOver(fetchPath: (path: string, init?: RequestInit) => Promise<Response>): Api {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<JsonReply<T>> => {
    const res = await fetchPath(path, {
      method,
      ...(body === undefined
        ? {}
        : {
            headers: { "content-type": "application/json" },
            body: typeof body === "string" ? body : JSON.stringify(body),
          }),
    });
    const text = await res.text();
    return { status: res.status, body: (text === "" ? {} : JSON.parse(text)) as T };
  };
  return {
    fetch: fetchPath,
    call,
    async chat(body) {
      const res = await fetchPath("/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (res.status !== 200) throw new Error(`POST /chat answered ${res.status}: ${await res.text()}`);
      const events: AgentEvent[] = [];
      for await (const event of readNdjson<AgentEvent>(res)) events.push(event);
      return events;
    },
  };
}

/** A daemon running in this process. */
export interface TestDaemon extends Api {
  readonly daemon: Daemon;
  readonly url: string;
  stop(): Promise<void>;
}

/** Options of `bootDaemon`. */
export interface BootOptions {
  model: ScriptedModel;
  dataDir: string;
  /** Extra environment, over the defaults below. */
  env?: Record<string, string>;
}

/** The environment every test daemon gets (scripted model, tool fixtures, fixed token, quiet log). */
export function daemonEnv(model: ScriptedModel, dataDir: string): Record<string, string> {
  return {
    DISPATCH_DATA_DIR: dataDir,
    DISPATCH_DEFAULT_CWD: dataDir,
    BACKEND_PORT: "0",
    SURFACE_WS_PORT: "0",
    DISPATCH_BASE_URL: model.baseURL,
    DISPATCH_MODEL: "scripted-model",
    DISPATCH_TOKEN: TEST_TOKEN,
    DISPATCH_EXTERNAL_EXTENSIONS: TOOL_EXTENSIONS,
    DISPATCH_LOG_LEVEL: "error",
    DISPATCH_SHUTDOWN_GRACE_MS: "200",
  };
}

/** Boots the daemon in-process on a free port. */
export async function bootDaemon(options: BootOptions): Promise<TestDaemon> {
  const env = { ...daemonEnv(options.model, options.dataDir), ...options.env };
  const daemon = await startDaemon(env, options.dataDir);
  const fetchPath = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${env.DISPATCH_TOKEN}`);
    return fetch(`${daemon.url}${path}`, { ...init, headers });
  };
  return { ...apiOver(fetchPath), daemon, url: daemon.url, stop: () => daemon.shutdown() };
}

/** One message of an OpenAI chat-completions request body. */
export interface SentMessage {
  role: string;
  content?: string | { type: string; text?: string }[] | null;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

/** The fields of an OpenAI chat-completions request body the tests look at. */
export interface SentBody {
  model?: string;
  messages?: SentMessage[];
  tools?: unknown[];
  reasoning_effort?: string;
  max_tokens?: number;
  max_completion_tokens?: number;
}

/** The parsed body of a recorded chat request (`{}` when absent). */
export function sentBody(request: RecordedRequest | undefined): SentBody {
  return (request?.body as SentBody | undefined) ?? {};
}

/** The messages a recorded chat request sent. */
export function sentMessages(request: RecordedRequest | undefined): SentMessage[] {
  return sentBody(request).messages ?? [];
}

/** A sent message's text (string content or the concatenated text parts). */
export function textOf(message: SentMessage | undefined): string {
  const content = message?.content;
  if (typeof content === "string") return content;
  return (content ?? []).map((part) => part.text ?? "").join("");
}

/** The system prompt a recorded request sent (`""` when none). */
export function systemPromptOf(request: RecordedRequest | undefined): string {
  return textOf(sentMessages(request).find((m) => m.role === "system"));
}

/**
 * True when every assistant tool call in `messages` is answered by a tool message with its id, and
 * every tool message answers a call made earlier.
 */
export function toolCallsPaired(messages: readonly SentMessage[]): boolean {
  const open = new Set<string>();
  const answered = new Set<string>();
  for (const message of messages) {
    for (const call of message.tool_calls ?? []) open.add(call.id);
    if (message.role === "tool") {
      if (message.tool_call_id === undefined || !open.has(message.tool_call_id)) return false;
      answered.add(message.tool_call_id);
    }
  }
  return [...open].every((id) => answered.has(id));
}

/** Polls `probe` every 10 ms until it returns a value other than `undefined`; throws after `timeoutMs`. */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** A gate file the `gate` tool waits for; `open()` releases the tool. */
export interface Gate {
  readonly path: string;
  open(): void;
}

/** A new, closed gate in `dir`. */
export function gate(dir: string, name: string): Gate {
  const path = join(dir, `gate-${name}`);
  if (existsSync(path)) rmSync(path);
  return { path, open: () => writeFileSync(path, "open") };
}

/** Reads NDJSON events from a live `/chat` response until `stopAt` matches (inclusive). */
export async function readUntil(
  events: AsyncGenerator<AgentEvent>,
  stopAt: (event: AgentEvent) => boolean,
): Promise<AgentEvent[]> {
  const seen: AgentEvent[] = [];
  for (let next = await events.next(); !next.done; next = await events.next()) {
    seen.push(next.value);
    if (stopAt(next.value)) break;
  }
  return seen;
}

/** Starts `POST /chat` and returns its live event stream. */
export async function openChat(api: Api, body: Record<string, unknown>): Promise<AsyncGenerator<AgentEvent>> {
  const res = await api.fetch("/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`POST /chat answered ${res.status}: ${await res.text()}`);
  return readNdjson<AgentEvent>(res);
}
