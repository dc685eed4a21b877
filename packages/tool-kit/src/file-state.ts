/**
 * The per-conversation ledger of files the agent has seen (read, written or edited): real path →
 * mtime, size and content hash. `edit_file` and `write_file` consult it to refuse changing a file
 * that changed on disk since the agent last saw it. Provided by the `file-state` extension through
 * `fileStateService`; also home of `fileWrittenFilter`, the per-write diagnostics hook.
 */
import { createHash } from "node:crypto";
import {
  type AbortSignalLike,
  defineFilter,
  defineService,
  type Extension,
  KERNEL_API_VERSION,
} from "@dispatch/kernel";

/** What the agent last saw of one file. */
export interface FileSnapshot {
  mtimeMs: number;
  size: number;
  /** SHA-256 of the content (hex), when the whole file was read. */
  sha256?: string;
}

/** The ledger. Contract: in memory, bounded (least recently used conversations and files drop out). */
export interface FileStateLedger {
  record(conversationId: string, realPath: string, snapshot: FileSnapshot): void;
  get(conversationId: string, realPath: string): FileSnapshot | undefined;
  /** Drops everything known about a conversation. */
  forget(conversationId: string): void;
}

/** Whether a file is as the agent last saw it. */
export type Freshness = "fresh" | "unseen" | "stale";

/** Compares the current state of a file with the ledger's snapshot. */
export function freshness(seen: FileSnapshot | undefined, current: FileSnapshot): Freshness {
  if (seen === undefined) return "unseen";
  if (seen.sha256 !== undefined && current.sha256 !== undefined) {
    return seen.sha256 === current.sha256 ? "fresh" : "stale";
  }
  return seen.mtimeMs === current.mtimeMs && seen.size === current.size ? "fresh" : "stale";
}

/** SHA-256 (hex) of file content. */
export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Options of `createFileStateLedger`. */
export interface FileStateLedgerOptions {
  /** Defaults to 256. */
  maxConversations?: number;
  /** Defaults to 2,000. */
  maxFilesPerConversation?: number;
}

/** An in-memory ledger. */
export function createFileStateLedger(options: FileStateLedgerOptions = {}): FileStateLedger {
  const maxConversations = options.maxConversations ?? 256;
  const maxFiles = options.maxFilesPerConversation ?? 2_000;
  // Map iteration order is insertion order: re-inserting on use makes the first key the LRU one.
  const conversations = new Map<string, Map<string, FileSnapshot>>();
  const touch = (conversationId: string): Map<string, FileSnapshot> => {
    const files = conversations.get(conversationId) ?? new Map<string, FileSnapshot>();
    conversations.delete(conversationId);
    conversations.set(conversationId, files);
    if (conversations.size > maxConversations) dropOldest(conversations);
    return files;
  };
  return {
    record(conversationId, realPath, snapshot) {
      const files = touch(conversationId);
      files.delete(realPath);
      files.set(realPath, { ...snapshot });
      if (files.size > maxFiles) dropOldest(files);
    },
    get(conversationId, realPath) {
      const snapshot = conversations.get(conversationId)?.get(realPath);
      return snapshot === undefined ? undefined : { ...snapshot };
    },
    forget(conversationId) {
      conversations.delete(conversationId);
    },
  };
}

function dropOldest<K, V>(map: Map<K, V>): void {
  const oldest = map.keys().next();
  if (!oldest.done) map.delete(oldest.value);
}

/** Provided by the `file-state` extension; file tools depend on it. */
export const fileStateService = defineService<FileStateLedger>("file-state/ledger");

/** A file a tool just wrote; filters append diagnostics (e.g. from a language server) to `notes`. */
export interface FileWritten {
  /** Real absolute path of the written file. */
  path: string;
  /** Real path of the turn's working directory. */
  cwd: string;
  conversationId: string;
  /** The turn's signal: a filter must stop waiting when it aborts. */
  signal: AbortSignalLike;
  /** Lines appended to the tool's result, in order. */
  notes: string[];
}

/**
 * Applied by `edit_file` and `write_file` after each successful write. Contract: a filter returns
 * the value with its notes appended and must stay quick (a slow language server should time out
 * and add a note saying so); a throwing filter is skipped.
 */
export const fileWrittenFilter = defineFilter<FileWritten>("file-state/file-written");

/**
 * Runs the `fileWrittenFilter` chain (the extensions pass `(w) => host.applyFilters(fileWrittenFilter, w)`).
 * Contract: resolves to the value with any notes appended; never rejects (the host's
 * `applyFilters` logs and skips a throwing filter).
 */
export type AfterWrite = (written: FileWritten) => Promise<FileWritten>;

/** The notes the after-write chain adds for a file just written (none without a chain). */
export async function notesAfterWrite(
  afterWrite: AfterWrite | undefined,
  written: Omit<FileWritten, "notes">,
): Promise<string[]> {
  if (afterWrite === undefined) return [];
  return (await afterWrite({ ...written, notes: [] })).notes;
}

/** The extension providing `fileStateService`. Id `file-state`. */
export function createFileStateExtension(options: FileStateLedgerOptions = {}): Extension {
  return {
    manifest: {
      id: "file-state",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: [],
      description: "Per-conversation ledger of files the agent has read or written (stale-edit guard)",
    },
    activate(host) {
      host.provideService(fileStateService, createFileStateLedger(options));
    },
  };
}
