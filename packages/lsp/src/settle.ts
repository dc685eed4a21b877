/**
 * Collecting a file's diagnostics after a sync: pulled (`textDocument/diagnostic`) when the server
 * offers it, else pushed ones waited for until they settle (merged by `diagnostics.ts`
 * `mergeDiagnostics`, each distinct problem once).
 */
import type { ClientLimits, FileDiagnostics, LspClient, SyncResult } from "./client.ts";
import type { DocumentStore } from "./documents.ts";
import { type Diagnostic, DocumentDiagnosticRequest } from "./protocol.ts";

/** Pulls a file's diagnostics; `undefined` when the request fails or times out. */
export async function pull(
  request: LspClient["request"],
  uri: string,
  deadline: number,
  signal?: AbortSignal,
): Promise<Diagnostic[] | undefined> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return undefined;
  try {
    const report = await request(DocumentDiagnosticRequest, { textDocument: { uri } }, signal, remaining);
    return report?.kind === "full" && Array.isArray(report.items) ? report.items : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Push-only servers give no "done" signal: wait for a publish after the sync, then until none comes
 * for `settleMs`. A file that was clean may get no publish at all, so that wait is `quietMs`.
 */
export async function waitForPushes(
  documents: DocumentStore,
  sync: SyncResult,
  deadline: number,
  limits: ClientLimits,
  signal?: AbortSignal,
): Promise<FileDiagnostics> {
  const { uri } = sync;
  const silentOk = sync.before !== undefined && sync.before.length === 0;
  const current = () => documents.known(uri) ?? [];
  if (!sync.changed && sync.before !== undefined) return { items: current(), complete: true };
  if (documents.publishCount(uri) <= sync.publishes) {
    const firstWait = Math.min(deadline - Date.now(), silentOk ? limits.quietMs : Number.POSITIVE_INFINITY);
    const published = await documents.nextPublish(uri, firstWait, signal);
    if (!published) {
      const cleanAndQuiet = silentOk && Date.now() < deadline && !signal?.aborted;
      return { items: current(), complete: cleanAndQuiet };
    }
  }
  for (;;) {
    const wait = Math.min(limits.settleMs, deadline - Date.now());
    if (wait <= 0) return { items: current(), complete: false };
    if (!(await documents.nextPublish(uri, wait, signal))) {
      return { items: current(), complete: !signal?.aborted && wait === limits.settleMs };
    }
  }
}
