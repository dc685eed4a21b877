/**
 * Shared fixtures for the transport's end-to-end tests (this file holds no tests): a real daemon
 * booted in-process from the real extensions (SQLite in a temp dir, the HTTP API, this transport)
 * against the testkit's scripted model, and a gate tool that holds a turn open until the test
 * releases it. The clients are in clients.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
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
import { createSurfaceRegistryExtension } from "@dispatch/surface-registry";
import { type ScriptedModel, startScriptedModel } from "@dispatch/testkit";
import { createTransportHttpExtension, transportHttpService } from "@dispatch/transport-http";
import { createTransportWsExtension, type TransportWs, transportWsService } from "./extension.ts";
import type { WsLimits } from "./options.ts";

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
  /** Passed to the transports (the daemon's end of start-up). */
  onFirstRequest?: () => void;
  onFirstConnection?: () => void;
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
        defaultCwd: dir,
        security: { ...security, tokenHint: "set by the test", maxBodyBytes: 1024 * 1024 },
        ...(options.onFirstRequest ? { onFirstRequest: options.onFirstRequest } : {}),
      }),
      createSurfaceRegistryExtension(),
      createLoadedExtensionsExtension(),
      createTransportWsExtension({
        hostname: "127.0.0.1",
        port: 0,
        ...security,
        limits: options.limits ?? {},
        ...(options.onFirstConnection ? { onFirstConnection: options.onFirstConnection } : {}),
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
