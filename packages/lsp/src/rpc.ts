/**
 * Request and notification plumbing over a `vscode-jsonrpc` connection: requests with a time limit
 * and the caller's signal (an abandoned request is cancelled with `$/cancelRequest`), and
 * notifications that never throw or reject once the connection is gone.
 */
import {
  type CancellationToken,
  CancellationTokenSource,
  type MessageConnection,
  type NotificationType,
  ResponseError,
} from "vscode-jsonrpc/node";

/** How a timed request ended. */
export type RequestOutcome<R> =
  | { kind: "ok"; value: R }
  | { kind: "timeout" }
  | { kind: "aborted" }
  | { kind: "error"; message: string };

/** Runs `send` with a time limit and the caller's signal; an abandoned request is cancelled. */
export async function timedRequest<R>(
  send: (token: CancellationToken) => Promise<R>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<RequestOutcome<R>> {
  if (signal?.aborted) return { kind: "aborted" };
  const cancel = new CancellationTokenSource();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<RequestOutcome<R>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timeout" }), timeoutMs);
    onAbort = () => resolve({ kind: "aborted" });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const sent = Promise.resolve()
      .then(() => send(cancel.token))
      .then(
        (value): RequestOutcome<R> => ({ kind: "ok", value }),
        (err: unknown): RequestOutcome<R> => ({ kind: "error", message: describeError(err) }),
      );
    const outcome = await Promise.race([sent, stop]);
    // The server is told to drop an abandoned request ($/cancelRequest).
    if (outcome.kind !== "ok" && outcome.kind !== "error") cancel.cancel();
    return outcome;
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    cancel.dispose();
  }
}

/** Sends a notification; failures (a closed connection) are swallowed. */
export function sendNotification<P>(
  connection: MessageConnection,
  type: NotificationType<P>,
  params: P,
): Promise<void> {
  try {
    return connection.sendNotification(type as NotificationType<unknown>, params).catch(() => undefined);
  } catch {
    // The connection is already closed or disposed; the exit is reported elsewhere.
    return Promise.resolve();
  }
}

/** A readable message for a failed request. */
export function describeError(err: unknown): string {
  if (err instanceof ResponseError) return `${err.message} (code ${err.code})`;
  return err instanceof Error ? err.message : String(err);
}
