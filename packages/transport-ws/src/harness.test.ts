/**
 * Shared fixtures for the transport's end-to-end tests (this file holds no tests): a real daemon
 * booted in-process from the real extensions (SQLite in a temp dir, the HTTP API, this transport)
 * against the testkit's scripted model, a gate tool that holds a turn open until the test releases
 * it, and a recording WebSocket client whose waits are bounded.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthApiKeyExtension } from "@dispatch/auth-apikey";
import { createConversationStoreExtension } from "@dispatch/conversation-store";
import { createCredentialStoreExtension } from "@dispatch/credential-store";
import {
  createHost,
  type Extension,
  type Host,
  KERNEL_API_VERSION,
  nullLogger,
  type Sleep,
} from "@dispatch/kernel";
import { createOpenAICompatProviderExtension } from "@dispatch/provider-openai-compat";
import { createSessionOrchestratorExtension } from "@dispatch/session-orchestrator";
import { createStorageSqliteExtension } from "@dispatch/storage-sqlite";
import { createLoadedExtensionsExtension } from "@dispatch/surface-loaded-extensions";
import { createSurfaceRegistryExtension, surfaceRegistryService } from "@dispatch/surface-registry";
import { type ScriptedModel, startScriptedModel } from "@dispatch/testkit";
import { createTransportHttpExtension, transportHttpService } from "@dispatch/transport-http";
import type { AgentEvent } from "@dispatch/wire";
import WebSocket from "ws";
import { createTransportWsExtension, type TransportWs, transportWsService } from "./extension.ts";
import type { WsLimits } from "./options.ts";
import type { WsServerMessage } from "./protocol.ts";
import { type CacheWarmingState, createCacheWarmingSurface, IDLE_CACHE_WARMING } from "./surfaces/cache-warming.ts";

/** The model name the scripted credential serves. */
export const MODEL = "scripted/scripted-model";

/** A promise with its resolver exposed. */
export interface Gate {
  promise: Promise<void>;
  open(): void;
}

/** A closed gate. */
export function gate(): Gate {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A tool named `gate` whose calls wait until the test opens `current`. */
export function gateToolExtension(current: () => Gate): Extension {
  return {
    manifest: { id: "test-gate-tool", version: "0.0.0", apiVersion: KERNEL_API_VERSION },
    activate(host) {
      host.registerTool({
        name: "gate",
        description: "Waits until the test opens the gate.",
        inputSchema: { type: "object", properties: {} },
        async execute() {
          await current().promise;
          return { content: "the gate opened" };
        },
      });
    },
  };
}

/** Options of `startTestDaemon`. */
export interface TestDaemonOptions {
  token?: string;
  allowedOrigins?: string[];
  allowedHosts?: string[];
  limits?: Partial<WsLimits>;
  /** Added to the bundled set (e.g. the message queue and its surface, a test surface). */
  extensions?: Extension[];
}

/** A daemon running in this process. */
export interface TestDaemon {
  wsUrl: string;
  httpUrl: string;
  model: ScriptedModel;
  host: Host;
  ws: TransportWs;
  /** `fetch` against the HTTP API (with the token when there is one). */
  http(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

const sleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** Boots storage, stores, provider, orchestrator, HTTP, the surface registry and this transport. */
export async function startTestDaemon(options: TestDaemonOptions = {}): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "dispatch-ws-"));
  const model = await startScriptedModel();
  const security = {
    allowedHosts: options.allowedHosts ?? [],
    allowedOrigins: options.allowedOrigins ?? [],
    token: options.token,
  };
  const host = createHost({
    extensions: [
      createStorageSqliteExtension({ path: join(dir, "dispatch.db") }),
      createConversationStoreExtension(),
      createAuthApiKeyExtension({
        credentials: { scripted: { baseURL: model.baseURL, apiKey: "test-key" } },
      }),
      createOpenAICompatProviderExtension({ providers: [{ id: "openai-compat", credential: "scripted" }] }),
      createCredentialStoreExtension({
        credentials: [{ name: "scripted", providerId: "openai-compat" }],
        defaultModel: MODEL,
      }),
      createSessionOrchestratorExtension({ defaultCwd: dir }),
      createTransportHttpExtension({
        hostname: "127.0.0.1",
        port: 0,
        security: { ...security, tokenHint: "set by the test", maxBodyBytes: 1024 * 1024 },
      }),
      createSurfaceRegistryExtension(),
      createLoadedExtensionsExtension(),
      createTransportWsExtension({
        hostname: "127.0.0.1",
        port: 0,
        ...security,
        limits: options.limits ?? {},
      }),
      ...(options.extensions ?? []),
    ],
    logger: nullLogger,
    now: Date.now,
    sleep,
  });
  await host.activate();
  const disabled = host.status().filter((s) => s.state !== "active");
  if (disabled.length > 0) throw new Error(`extensions disabled: ${JSON.stringify(disabled)}`);
  const httpUrl = host.api.getService(transportHttpService).url;
  const ws = host.api.getService(transportWsService);
  return {
    wsUrl: ws.url,
    httpUrl,
    model,
    host,
    ws,
    http(path, init = {}) {
      const headers = new Headers(init.headers);
      if (options.token) headers.set("authorization", `Bearer ${options.token}`);
      return fetch(`${httpUrl}${path}`, { ...init, headers });
    },
    async close() {
      await host.deactivate();
      await model.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How a socket closed. */
export interface Closed {
  code: number;
  reason: string;
}

/** A WebSocket client that records every message. */
export interface TestClient {
  readonly socket: WebSocket;
  /** Every message received, in order. */
  readonly received: WsServerMessage[];
  send(message: object | string): void;
  /** The first received message (searching from the start) matching `predicate`, waiting if needed. */
  waitFor<T extends WsServerMessage = WsServerMessage>(
    predicate: (message: WsServerMessage) => boolean,
    timeoutMs?: number,
  ): Promise<T>;
  /** The `chat.delta` events of a conversation received so far. */
  events(conversationId: string): AgentEvent[];
  /** Waits until this client saw `n` events of `type` in the conversation; returns all its events. */
  waitForEvent(
    conversationId: string,
    type: AgentEvent["type"],
    n?: number,
    timeoutMs?: number,
  ): Promise<AgentEvent[]>;
  readonly closed: Promise<Closed>;
  close(): Promise<Closed>;
}

/** Options of `connect`. */
export interface ConnectOptions {
  headers?: Record<string, string>;
  protocols?: string[];
}

/** Opens a client; resolves once the socket is open. */
export function connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  const socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
  const received: WsServerMessage[] = [];
  const waiters = new Set<() => void>();
  let resolveClosed: (closed: Closed) => void = () => {};
  const closed = new Promise<Closed>((resolve) => {
    resolveClosed = resolve;
  });
  socket.on("message", (data) => {
    received.push(JSON.parse(String(data)) as WsServerMessage);
    for (const waiter of [...waiters]) waiter();
  });
  socket.on("close", (code, reason) => {
    resolveClosed({ code, reason: String(reason) });
    for (const waiter of [...waiters]) waiter();
  });
  socket.on("error", () => {});

  const client: TestClient = {
    socket,
    received,
    send: (message) => socket.send(typeof message === "string" ? message : JSON.stringify(message)),
    waitFor<T extends WsServerMessage>(predicate: (message: WsServerMessage) => boolean, timeoutMs = 5000) {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const found = received.find(predicate);
          if (found === undefined) return false;
          finish();
          resolve(found as T);
          return true;
        };
        const timer = setTimeout(() => {
          finish();
          const seen = received.map((m) => (m.type === "chat.delta" ? `chat.delta:${m.event.type}` : m.type));
          reject(new Error(`timed out waiting for a message; received: ${seen.join(", ")}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        const waiter = () => void check();
        if (!check()) waiters.add(waiter);
      });
    },
    events: (conversationId) =>
      received.flatMap((m) =>
        m.type === "chat.delta" && m.event.conversationId === conversationId ? [m.event] : [],
      ),
    async waitForEvent(conversationId, type, n = 1, timeoutMs = 10_000) {
      let seen = 0;
      let scanned = 0;
      await client.waitFor(() => {
        for (; scanned < received.length; scanned++) {
          const m = received[scanned];
          if (m?.type === "chat.delta" && m.event.conversationId === conversationId && m.event.type === type)
            seen++;
        }
        return seen >= n;
      }, timeoutMs);
      return client.events(conversationId);
    },
    closed,
    close() {
      socket.close();
      return closed;
    },
  };
  return new Promise((resolve, reject) => {
    socket.on("open", () => resolve(client));
    socket.on("unexpected-response", (_request, response) =>
      reject(new Error(`HTTP ${response.statusCode}`)),
    );
    socket.on("close", (code) => reject(new Error(`closed before opening (${code})`)));
  });
}

/** The status and JSON body of a refused upgrade. */
export async function refusedUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { error?: string } }> {
  const response = await fetch(url.replace(/^ws/, "http"), {
    headers: {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
      ...headers,
    },
  });
  return { status: response.status, body: (await response.json()) as { error?: string } };
}

/** Reads an NDJSON response to the end. */
export async function readNdjson(response: Response): Promise<AgentEvent[]> {
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as AgentEvent);
}

/** A subscriber that stops reading after its `chat.subscribe`: raw TCP, so nothing drains its socket. */
export interface StalledSubscriber {
  /** Starts reading again; resolves with the close frame the server sent (if any) once the socket ends. */
  drain(): Promise<{ closeCode?: number; closeReason?: string; bytes: number }>;
}

/** Connects over raw TCP, upgrades, sends `chat.subscribe`, and stops reading. */
export async function stalledSubscriber(wsUrl: string, conversationId: string): Promise<StalledSubscriber> {
  const { port, hostname } = new URL(wsUrl);
  const socket = connectTcp(Number(port), hostname);
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.write(
        `GET / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
    });
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      if (!Buffer.concat(chunks).includes("\r\n\r\n")) return;
      socket.off("data", onData);
      resolve();
    };
    socket.on("data", onData);
  });
  socket.on("error", () => {});
  socket.write(maskedTextFrame(JSON.stringify({ type: "chat.subscribe", conversationId })));
  socket.pause();
  return {
    drain() {
      return new Promise((resolve) => {
        socket.on("data", (chunk: Buffer) => chunks.push(chunk));
        socket.on("close", () => {
          const all = Buffer.concat(chunks);
          const body = all.subarray(all.indexOf("\r\n\r\n") + 4);
          resolve({ ...findCloseFrame(body), bytes: body.length });
        });
        socket.resume();
      });
    },
  };
}

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error("the test frame must be short");
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/** Walks the server's (unmasked) frames and returns the close frame's code and reason. */
function findCloseFrame(data: Buffer): { closeCode?: number; closeReason?: string } {
  let at = 0;
  while (at + 2 <= data.length) {
    const opcode = (data[at] ?? 0) & 0x0f;
    let length = (data[at + 1] ?? 0) & 0x7f;
    let header = 2;
    if (length === 126) {
      length = data.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      length = Number(data.readBigUInt64BE(at + 2));
      header = 10;
    }
    const payload = data.subarray(at + header, at + header + length);
    if (opcode === 8)
      return { closeCode: payload.readUInt16BE(0), closeReason: payload.subarray(2).toString() };
    at += header + length;
  }
  return {};
}

/** In-memory cache-warming controls (the warming service does not exist yet), as an extension. */
export function memoryCacheWarmingExtension(): Extension {
  const states = new Map<string, CacheWarmingState>();
  const listeners = new Set<(conversationId: string) => void>();
  const get = (id: string) => states.get(id) ?? { ...IDLE_CACHE_WARMING };
  const update = (id: string, patch: Partial<CacheWarmingState>) => {
    states.set(id, { ...get(id), ...patch });
    for (const listener of listeners) listener(id);
  };
  return {
    manifest: {
      id: "test-cache-warming",
      version: "0.0.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["surface-registry"],
    },
    activate(host) {
      host.getService(surfaceRegistryService).register(
        createCacheWarmingSurface({
          state: get,
          setEnabled: (id, enabled) => update(id, { enabled }),
          setIntervalMs: (id, intervalMs) => update(id, { intervalMs }),
          onChange(listener) {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
        }),
      );
    },
  };
}
