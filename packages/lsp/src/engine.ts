/**
 * What the service and the tool share: which servers handle a file (config + root + a client from
 * the manager), the status of a cwd's servers, and per-write diagnostics — the problems an edit
 * introduced and fixed, within a time limit after which the write returns without them.
 */

import { realpathSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type { LspServerStatus } from "@dispatch/transport-contract";
import type { LspClient, SyncResult } from "./client.ts";
import { type ConfigOptions, resolveConfig, type ServerConfig, serversFor } from "./config.ts";
import { countLabel, diffDiagnostics, errorsAndWarnings, formatList, plural } from "./diagnostics.ts";
import { seconds } from "./errors.ts";
import type { LspManager } from "./manager.ts";
import { displayPath, findRoot, isInside } from "./paths.ts";

/** A file's server and what the manager could give for it. */
export type ServerSlot =
  | { server: ServerConfig; root: string; kind: "ready"; client: LspClient }
  | { server: ServerConfig; root: string; kind: "starting" | "unavailable"; reason: string };

/** Input of `diagnosticsAfterWrite`. */
export interface AfterWriteInput {
  /** Absolute (real) path of the written file. */
  path: string;
  /** The turn's working directory (real path). */
  cwd: string;
  signal?: AbortSignal;
  /** Overrides the configured time limit. */
  timeoutMs?: number;
}

/** Notes to append to the tool result (empty when nothing changed or no server handles the file). */
export interface AfterWriteResult {
  notes: string[];
  /** Some server did not deliver within the time limit. */
  timedOut: boolean;
}

/** Options of `createLspEngine`. */
export interface LspEngineOptions {
  manager: LspManager;
  config: ConfigOptions;
  diagnosticsTimeoutMs: number;
}

/** The engine. */
export interface LspEngine {
  /** Servers configured for `cwd` that handle `path`, each with a client (or why there is none). */
  slots(path: string, cwd: string, deadline: number, signal?: AbortSignal): Promise<ServerSlot[]>;
  /** Servers whose configuration applies to `cwd`. */
  configured(cwd: string): ServerConfig[];
  /** Running clients whose root lies in `cwd`. */
  running(cwd: string): LspClient[];
  status(cwd: string): LspServerStatus[];
  diagnosticsAfterWrite(input: AfterWriteInput): Promise<AfterWriteResult>;
}

const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** An engine over `options.manager`. */
export function createLspEngine(options: LspEngineOptions): LspEngine {
  const { manager } = options;
  const configured = (cwd: string) => resolveConfig(cwd, options.config).servers;

  const slots: LspEngine["slots"] = (path, cwd, deadline, signal) =>
    Promise.all(
      serversFor(configured(cwd), path).map(async (server): Promise<ServerSlot> => {
        const root = findRoot(path, cwd, server.rootMarkers);
        const acquired = await manager.acquire(server, root, deadline, signal);
        if (acquired.kind === "ready") return { server, root, kind: "ready", client: acquired.client };
        if (acquired.kind === "unavailable")
          return { server, root, kind: "unavailable", reason: acquired.reason };
        void acquired.ready.then((client) => client && syncFromDisk(client, path));
        return { server, root, kind: "starting", reason: "the server is still starting" };
      }),
    );

  return {
    slots,
    configured,
    running: (cwd) => manager.clients().filter((client) => isInside(client.root, cwd)),
    status: (cwd) => statusOf(realCwd(cwd), manager, options.config),
    async diagnosticsAfterWrite(input) {
      const timeoutMs = input.timeoutMs ?? options.diagnosticsTimeoutMs;
      const deadline = Date.now() + timeoutMs;
      const text = await readText(input.path);
      if (text === undefined || input.signal?.aborted) return { notes: [], timedOut: false };
      const found = await slots(input.path, input.cwd, deadline, input.signal);
      let timedOut = false;
      const notes: string[] = [];
      for (const slot of found) {
        const label = `LSP ${slot.server.name}`;
        const file = displayPath(input.path, input.cwd);
        if (slot.kind !== "ready") {
          timedOut ||= slot.kind === "starting";
          if (!input.signal?.aborted) notes.push(unavailableNote(label, file, slot, timeoutMs));
          continue;
        }
        const note = await afterWrite(slot.client, { ...input, text, deadline, label, file, timeoutMs });
        timedOut ||= note.timedOut;
        if (note.text !== undefined) notes.push(note.text);
      }
      return { notes, timedOut };
    },
  };
}

interface WriteContext extends AfterWriteInput {
  text: string;
  deadline: number;
  label: string;
  file: string;
  timeoutMs: number;
}

async function afterWrite(
  client: LspClient,
  context: WriteContext,
): Promise<{ text?: string; timedOut: boolean }> {
  let sync: SyncResult;
  try {
    sync = await client.syncFile(context.path, context.text);
  } catch (err) {
    return { text: `${context.label}: could not check ${context.file}: ${errorText(err)}.`, timedOut: false };
  }
  const result = await client.diagnostics(sync, context.deadline, context.signal);
  if (context.signal?.aborted) return { timedOut: false };
  const lines = context.text.split(/\r?\n/);
  const now = errorsAndWarnings(result.items);
  const incomplete = result.complete
    ? []
    : [
        `  (the server had not finished checking within ${seconds(context.timeoutMs)}; this list may be incomplete)`,
      ];
  if (sync.before === undefined) {
    if (now.length === 0) {
      return result.complete
        ? { timedOut: false }
        : { text: timeoutNote(context.label, context.file, context.timeoutMs), timedOut: true };
    }
    const head = `${context.label}: ${countLabel(now)} in ${context.file}:`;
    return {
      text: [head, ...formatList(now, { lines }), ...incomplete].join("\n"),
      timedOut: !result.complete,
    };
  }
  const diff = diffDiagnostics(errorsAndWarnings(sync.before), now);
  if (diff.added.length === 0 && diff.fixed.length === 0) {
    return result.complete
      ? { timedOut: false }
      : { text: timeoutNote(context.label, context.file, context.timeoutMs), timedOut: true };
  }
  const out = [`${context.label} on ${context.file} after this edit:`];
  if (diff.added.length > 0)
    out.push(`New (${countLabel(diff.added)}):`, ...formatList(diff.added, { lines }));
  if (diff.fixed.length > 0)
    out.push(`Fixed (${countLabel(diff.fixed)}):`, ...formatList(diff.fixed, { wasAt: true }));
  if (now.length === 0) out.push(`No errors or warnings remain in ${context.file}.`);
  else if (diff.unchanged > 0) out.push(`${plural(diff.unchanged, "earlier error or warning")} unchanged.`);
  return { text: [...out, ...incomplete].join("\n"), timedOut: !result.complete };
}

function timeoutNote(label: string, file: string, timeoutMs: number): string {
  return `${label}: no diagnostics for ${file} within ${seconds(timeoutMs)}; the edit was applied without them (use the lsp tool's diagnostics operation to check later).`;
}

function unavailableNote(
  label: string,
  file: string,
  slot: ServerSlot & { reason: string },
  timeoutMs: number,
): string {
  if (slot.kind === "starting") {
    return `${label}: the server is still starting, so ${file} was not checked within ${seconds(timeoutMs)}; the edit was applied without diagnostics.`;
  }
  return `${label} is unavailable, so ${file} was not checked: ${slot.reason}.`;
}

async function syncFromDisk(client: LspClient, path: string): Promise<void> {
  const text = await readText(path);
  if (text !== undefined && client.alive()) await client.syncFile(path, text).catch(() => undefined);
}

/** A file's text, or `undefined` when it is missing, not a file, or too large to send. */
export async function readText(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_FILE_BYTES) return undefined;
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

function statusOf(cwd: string, manager: LspManager, config: ConfigOptions): LspServerStatus[] {
  const { servers, skipped } = resolveConfig(cwd, config);
  const states = manager.states();
  const out: LspServerStatus[] = [];
  for (const server of servers) {
    const base = {
      id: server.id,
      name: server.name,
      extensions: server.extensions,
      configSource: server.source,
    };
    const mine = states.filter((entry) => entry.serverId === server.id && isInside(entry.root, cwd));
    if (mine.length === 0) out.push({ ...base, root: cwd, state: "not-started" });
    for (const entry of mine) {
      out.push({
        ...base,
        root: entry.root,
        state: entry.state,
        ...(entry.error ? { error: entry.error } : {}),
      });
    }
  }
  for (const entry of skipped) {
    if (servers.some((server) => server.id === entry.id)) continue;
    out.push({
      id: entry.id,
      name: entry.id,
      root: cwd,
      extensions: [],
      state: entry.state,
      error: entry.reason,
      configSource: entry.source,
    });
  }
  return out;
}

function realCwd(cwd: string): string {
  try {
    return realpathSync(cwd);
  } catch {
    return cwd;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
