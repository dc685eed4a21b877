/**
 * What one client remembers per document, bounded: the open documents (least recently used ones are
 * closed past a limit, so a long session does not keep every file in the server) and the latest
 * diagnostics per file from pushes and pulls (also bounded), with a way to wait for the next push.
 */
import type { Diagnostic } from "./protocol.ts";

/** What to tell the server about a document's new content. */
export type SyncAction = { action: "none" } | { action: "open" | "change"; version: number };

/** Options of `createDocumentStore`. */
export interface DocumentStoreOptions {
  /** Open documents kept at most; the least recently used is closed past this. */
  maxOpen: number;
  /** Files whose diagnostics are kept at most. */
  maxDiagnosticFiles: number;
  /** Called for a document evicted from the open set. Contract: must not throw. */
  onEvict(uri: string): void;
}

/** Per-client document and diagnostics memory. */
export interface DocumentStore {
  /**
   * Records new content (by hash) and says whether to send didOpen, didChange or nothing; `force`
   * asks for a didChange even when the content is the same (servers re-check on a change).
   */
  sync(uri: string, hash: number | bigint, force?: boolean): SyncAction;
  /** Stores diagnostics (pushed or pulled) and wakes waiters. */
  publish(uri: string, items: Diagnostic[]): void;
  /** The latest diagnostics of a file, if any arrived. */
  known(uri: string): Diagnostic[] | undefined;
  /** Counter of publishes for `uri` so far (0 when none). */
  publishCount(uri: string): number;
  /** Resolves `true` at the next publish for `uri`, `false` after `ms` or when `signal` aborts. */
  nextPublish(uri: string, ms: number, signal?: AbortSignal): Promise<boolean>;
  /** Forgets everything and releases waiters. */
  clear(): void;
}

interface Entry {
  items: Diagnostic[];
  count: number;
}

/** A store with the given bounds. */
export function createDocumentStore(options: DocumentStoreOptions): DocumentStore {
  const open = new Map<string, { version: number; hash: number | bigint }>();
  const diagnostics = new Map<string, Entry>();
  const waiters = new Set<{ uri: string; wake: (published: boolean) => void }>();

  return {
    sync(uri, hash, force = false) {
      const doc = open.get(uri);
      if (doc !== undefined) {
        open.delete(uri);
        open.set(uri, doc);
        if (doc.hash === hash && !force) return { action: "none" };
        doc.hash = hash;
        doc.version += 1;
        return { action: "change", version: doc.version };
      }
      open.set(uri, { version: 1, hash });
      while (open.size > options.maxOpen) {
        const oldest = open.keys().next().value;
        if (oldest === undefined) break;
        open.delete(oldest);
        diagnostics.delete(oldest);
        options.onEvict(oldest);
      }
      return { action: "open", version: 1 };
    },
    publish(uri, items) {
      const count = (diagnostics.get(uri)?.count ?? 0) + 1;
      diagnostics.delete(uri);
      diagnostics.set(uri, { items, count });
      while (diagnostics.size > options.maxDiagnosticFiles) {
        const oldest = diagnostics.keys().next().value;
        if (oldest === undefined) break;
        diagnostics.delete(oldest);
      }
      for (const waiter of [...waiters]) if (waiter.uri === uri) waiter.wake(true);
    },
    known: (uri) => diagnostics.get(uri)?.items,
    publishCount: (uri) => diagnostics.get(uri)?.count ?? 0,
    nextPublish(uri, ms, signal) {
      if (ms <= 0 || signal?.aborted) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const waiter = {
          uri,
          wake: (published: boolean) => {
            waiters.delete(waiter);
            clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
            resolve(published);
          },
        };
        const onAbort = () => waiter.wake(false);
        const timer = setTimeout(() => waiter.wake(false), ms);
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.add(waiter);
      });
    },
    clear() {
      open.clear();
      diagnostics.clear();
      for (const waiter of [...waiters]) waiter.wake(false);
    },
  };
}
