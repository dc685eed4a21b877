/**
 * One language-server session over stdio with `vscode-jsonrpc`: spawn, `initialize` with a time
 * limit, document sync, diagnostics (`settle.ts`), requests with time limits (`rpc.ts`), and a
 * wedge detector; the server→client side lives in `handlers.ts`. The manager owns clients; a
 * client reports its own unexpected death once, through `onFailure`.
 */
import { basename } from "node:path";
import type { Logger } from "@dispatch/kernel";
import {
  type CancellationToken,
  createMessageConnection,
  type MessageConnection,
  type NotificationType,
  type RequestType,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-jsonrpc/node";
import type { ServerConfig } from "./config.ts";
import { mergeDiagnostics } from "./diagnostics.ts";
import { createDocumentStore, type DocumentStore } from "./documents.ts";
import {
  aborted,
  initializeFailed,
  initializeTimeout,
  LspError,
  requestFailed,
  requestTimeout,
  serverExited,
  serverStopped,
} from "./errors.ts";
import { registerHandlers } from "./handlers.ts";
import { languageId, toUri } from "./paths.ts";
import {
  CLIENT_CAPABILITIES,
  type Diagnostic,
  DidChangeConfigurationNotification,
  DidChangeNotification,
  DidChangeWatchedFilesNotification,
  DidCloseNotification,
  DidOpenNotification,
  DidSaveNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  type InitializeResult,
  type ServerCapabilities,
  ShutdownRequest,
} from "./protocol.ts";
import { sendNotification, timedRequest } from "./rpc.ts";
import { type ServerProcess, settlesWithin, spawnServerProcess } from "./server-process.ts";
import { pull, waitForPushes } from "./settle.ts";
import { createWatchedFiles, type WatchedFiles } from "./watched-files.ts";

/** Timing and size limits of a client. */
export interface ClientLimits {
  initializeTimeoutMs: number;
  requestTimeoutMs: number;
  maxOpenDocuments: number;
  /** After a push, how long to wait for more before the diagnostics count as settled. */
  settleMs: number;
  /** How long to wait for a first push when the file was clean and a server may stay silent. */
  quietMs: number;
}

/** Options of `startClient`. */
export interface ClientOptions extends ClientLimits {
  server: ServerConfig;
  root: string;
  /** The full environment of the process. */
  env: Record<string, string>;
  logger: Logger;
  /** Aborting gives up a start in progress (the process is killed). */
  signal?: AbortSignal;
  /** Called once if the server dies or wedges after it started. Contract: must not throw. */
  onFailure(error: LspError): void;
}

/** What syncing a file told the server. */
export interface SyncResult {
  uri: string;
  /** The server got new content (didOpen or didChange). */
  changed: boolean;
  /** Diagnostics known before this sync (`undefined`: none ever arrived for the file). */
  before: Diagnostic[] | undefined;
  /** The publish count at the time of the sync. */
  publishes: number;
}

/** Diagnostics of one file. `complete` is false when the time limit cut the wait. */
export interface FileDiagnostics {
  items: Diagnostic[];
  complete: boolean;
}

/** A started, initialized client. */
export interface LspClient {
  readonly server: ServerConfig;
  readonly root: string;
  readonly pid: number | undefined;
  readonly capabilities: ServerCapabilities;
  alive(): boolean;
  /**
   * Sends the file's current text (didOpen, or didChange + didSave when it differs). `recheck`
   * sends a didChange even for the same text, so the server computes fresh diagnostics (after
   * other files changed on disk, say).
   */
  syncFile(path: string, text: string, recheck?: boolean): Promise<SyncResult>;
  /** The file's diagnostics after `sync`, waiting at most until `deadline` (epoch ms). */
  diagnostics(sync: SyncResult, deadline: number, signal?: AbortSignal): Promise<FileDiagnostics>;
  /** A request with the client's time limit (or `timeoutMs`). Rejects with an `LspError`. */
  request<P, R>(
    type: RequestType<P, R, unknown>,
    params: P,
    signal?: AbortSignal,
    timeoutMs?: number,
  ): Promise<R>;
  /** Directories the client's file watchers cover now. */
  watchedDirectories(): string[];
  /** Graceful shutdown, then the process group is killed. Resolves when the process is gone. */
  stop(): Promise<void>;
}

const WEDGED_AFTER_TIMEOUTS = 3;
const STOP_GRACE_MS = 1_000;

/** Spawns and initializes a server. Rejects with an `LspError` (the process is gone by then). */
export async function startClient(options: ClientOptions): Promise<LspClient> {
  const { server, root, logger } = options;
  const proc = spawnServerProcess({ command: server.command, cwd: root, env: options.env, logger });
  const connection = createMessageConnection(
    new StreamMessageReader(proc.stdout),
    new StreamMessageWriter(proc.stdin),
    {
      error: (message) => logger.debug("jsonrpc error", { message }),
      warn: (message) => logger.debug("jsonrpc warning", { message }),
      info: () => undefined,
      log: () => undefined,
    },
  );
  connection.onError(([err]) => logger.debug("jsonrpc connection error", { error: err.message }));
  const notify = <P>(type: NotificationType<P>, params: P): Promise<void> =>
    sendNotification(connection, type, params);
  const watched = createWatchedFiles({
    root,
    logger,
    send: (changes) => void notify(DidChangeWatchedFilesNotification, { changes }),
  });
  const documents = createDocumentStore({
    maxOpen: options.maxOpenDocuments,
    maxDiagnosticFiles: 500,
    onEvict: (uri) => void notify(DidCloseNotification, { textDocument: { uri } }),
  });
  registerHandlers(connection, { server, root, watched, documents });
  connection.listen();

  let capabilities: ServerCapabilities;
  try {
    capabilities = await initialize(connection, proc, options);
  } catch (err) {
    connection.dispose();
    watched.dispose();
    await proc.kill(STOP_GRACE_MS);
    throw err;
  }
  await notify(InitializedNotification, {});
  if (server.settings !== undefined) {
    await notify(DidChangeConfigurationNotification, { settings: server.settings });
  }
  return createSession({ options, proc, connection, watched, documents, capabilities, notify });
}

async function initialize(connection: MessageConnection, proc: ServerProcess, options: ClientOptions) {
  const { root, server } = options;
  const initialization = server.initialization(root);
  const request = connection.sendRequest(InitializeRequest, {
    processId: process.pid,
    clientInfo: { name: "dispatch", version: "0.1.0" },
    rootUri: toUri(root),
    rootPath: root,
    workspaceFolders: [{ uri: toUri(root), name: basename(root) }],
    capabilities: CLIENT_CAPABILITIES,
    ...(initialization === undefined ? {} : { initializationOptions: initialization }),
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const outcome = await Promise.race([
    request.then(
      (result: InitializeResult) => ({ kind: "ok" as const, result }),
      (err: unknown) => ({ kind: "error" as const, err }),
    ),
    proc.exited.then((exit) => ({ kind: "exit" as const, exit })),
    new Promise<{ kind: "timeout" } | { kind: "aborted" }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: "timeout" }), options.initializeTimeoutMs);
      onAbort = () => resolve({ kind: "aborted" });
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener("abort", onAbort, { once: true });
    }),
  ]);
  clearTimeout(timer);
  if (onAbort !== undefined) options.signal?.removeEventListener("abort", onAbort);
  if (outcome.kind === "ok") return outcome.result?.capabilities ?? {};
  if (outcome.kind === "aborted") throw serverStopped();
  if (outcome.kind === "timeout") throw initializeTimeout(options.initializeTimeoutMs);
  if (outcome.kind === "exit") {
    if (outcome.exit.spawnError !== undefined) throw new LspError("SPAWN_FAILED", outcome.exit.spawnError);
    throw serverExited(outcome.exit.code, outcome.exit.signal, proc.stderrTail());
  }
  // A rejected initialize may just be the connection closing under a dying server: prefer the exit.
  if (await settlesWithin(proc.exited, 200)) {
    const exit = await proc.exited;
    throw serverExited(exit.code, exit.signal, proc.stderrTail());
  }
  throw initializeFailed(outcome.err instanceof Error ? outcome.err.message : String(outcome.err));
}

interface SessionParts {
  options: ClientOptions;
  proc: ServerProcess;
  connection: MessageConnection;
  watched: WatchedFiles;
  documents: DocumentStore;
  capabilities: ServerCapabilities;
  notify<P>(type: NotificationType<P>, params: P): Promise<void>;
}

function createSession(parts: SessionParts): LspClient {
  const { options, proc, connection, watched, documents, capabilities, notify } = parts;
  let state: "running" | "stopping" | "gone" = "running";
  let failure: LspError | undefined;
  let timeouts = 0;
  let stopped: Promise<void> | undefined;

  const release = (): void => {
    connection.dispose();
    watched.dispose();
    documents.clear();
  };
  const fail = (error: LspError): void => {
    if (state !== "running") return;
    state = "gone";
    failure = error;
    release();
    void proc.kill(STOP_GRACE_MS);
    options.onFailure(error);
  };
  void proc.exited.then((exit) => fail(serverExited(exit.code, exit.signal, proc.stderrTail())));

  const request = async <P, R>(
    type: RequestType<P, R, unknown>,
    params: P,
    signal?: AbortSignal,
    timeoutMs = options.requestTimeoutMs,
  ): Promise<R> => {
    if (state !== "running") throw failure ?? serverStopped();
    const send = (token: CancellationToken) =>
      connection.sendRequest(type, params as never, token) as Promise<R>;
    const outcome = await timedRequest(send, timeoutMs, signal);
    if (outcome.kind === "ok") {
      timeouts = 0;
      return outcome.value;
    }
    if (outcome.kind === "timeout") {
      timeouts += 1;
      if (timeouts >= WEDGED_AFTER_TIMEOUTS) {
        fail(new LspError("REQUEST_TIMEOUT", `stopped answering (${timeouts} requests in a row timed out)`));
      }
      throw requestTimeout(type.method, timeoutMs);
    }
    if (outcome.kind === "aborted") throw aborted();
    // A request cut by the server's death reports the death, which may arrive a moment later.
    if (state === "running" && (await settlesWithin(proc.exited, 200))) await Promise.resolve();
    if (state !== "running") throw failure ?? serverStopped();
    throw requestFailed(type.method, outcome.message);
  };

  const pullSupported =
    capabilities.diagnosticProvider !== undefined && capabilities.diagnosticProvider !== null;
  const saveOptions =
    typeof capabilities.textDocumentSync === "object" ? capabilities.textDocumentSync.save : undefined;

  return {
    server: options.server,
    root: options.root,
    pid: proc.pid,
    capabilities,
    alive: () => state === "running",
    async syncFile(path, text, recheck = false) {
      const uri = toUri(path);
      const before = documents.known(uri);
      const publishes = documents.publishCount(uri);
      if (state !== "running") throw failure ?? serverStopped();
      const sync = documents.sync(uri, Bun.hash(text), recheck);
      if (sync.action === "open") {
        await notify(DidOpenNotification, {
          textDocument: { uri, languageId: languageId(path), version: sync.version, text },
        });
      } else if (sync.action === "change") {
        await notify(DidChangeNotification, {
          textDocument: { uri, version: sync.version },
          contentChanges: [{ text }],
        });
        if (saveOptions) {
          const includeText = typeof saveOptions === "object" && saveOptions.includeText === true;
          await notify(DidSaveNotification, { textDocument: { uri }, ...(includeText ? { text } : {}) });
        }
      }
      return { uri, changed: sync.action !== "none", before, publishes };
    },
    async diagnostics(sync, deadline, signal) {
      const pulled = pullSupported ? await pull(request, sync.uri, deadline, signal) : undefined;
      if (pulled !== undefined) {
        const pushed =
          documents.publishCount(sync.uri) > sync.publishes ? (documents.known(sync.uri) ?? []) : [];
        const items = mergeDiagnostics(pulled, pushed);
        documents.publish(sync.uri, items);
        return { items, complete: true };
      }
      return waitForPushes(documents, sync, deadline, options, signal);
    },
    request,
    watchedDirectories: () => watched.directories(),
    stop() {
      stopped ??= (async () => {
        if (state === "running") {
          state = "stopping";
          await shutdownGracefully(connection, proc);
        }
        state = "gone";
        release();
        await proc.kill(STOP_GRACE_MS);
      })();
      return stopped;
    },
  };
}

async function shutdownGracefully(connection: MessageConnection, proc: ServerProcess): Promise<void> {
  if (proc.hasExited()) return;
  const outcome = await timedRequest(
    (token) => connection.sendRequest(ShutdownRequest, token),
    STOP_GRACE_MS,
  );
  if (outcome.kind === "ok") {
    try {
      await connection.sendNotification(ExitNotification).catch(() => undefined);
    } catch {
      // Closed already; the kill that follows ends the process.
    }
    await settlesWithin(proc.exited, STOP_GRACE_MS);
  }
}
