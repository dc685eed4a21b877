/**
 * The process-wide guard: a promise rejection nobody handled, or an exception thrown from a timer
 * or an `error` event without a listener, is reported instead of ending the daemon. `main` installs
 * it before boot, so an extension's stray failure during activation is caught too.
 */

/** Receives each stray failure. Contract: may throw; a throwing reporter is ignored. */
export type StrayFailureReporter = (what: "unhandled rejection" | "uncaught exception", err: unknown) => void;

/** Installs the guard; the returned function removes it. */
export function installProcessGuards(report: StrayFailureReporter): () => void {
  const safely = (what: Parameters<StrayFailureReporter>[0], err: unknown): void => {
    try {
      report(what, err);
    } catch {
      // The guard itself must never throw: that would end the process it protects.
    }
  };
  const onRejection = (reason: unknown): void => safely("unhandled rejection", reason);
  const onException = (err: unknown): void => safely("uncaught exception", err);
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return () => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  };
}
