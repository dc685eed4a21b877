/**
 * The package's error codes. Language-server failures are expected (a binary missing, a server that
 * hangs or dies), so they travel as `LspError` values into notes and status entries; each message
 * says what happened and, where it helps, what to do next.
 */

/** Every code this package uses, sorted. */
export type LspErrorCode =
  | "ABORTED"
  | "INITIALIZE_FAILED"
  | "INITIALIZE_TIMEOUT"
  | "REQUEST_FAILED"
  | "REQUEST_TIMEOUT"
  | "SERVER_EXITED"
  | "SERVER_STOPPED"
  | "SPAWN_FAILED";

/** A language-server failure with a stable code. */
export class LspError extends Error {
  readonly code: LspErrorCode;

  constructor(code: LspErrorCode, message: string) {
    super(message);
    this.name = "LspError";
    this.code = code;
  }
}

/** The command could not be started (missing binary, permissions). */
export function spawnFailed(command: string, reason: string): LspError {
  return new LspError("SPAWN_FAILED", `could not start \`${command}\`: ${reason}`);
}

/** The server did not answer `initialize` in time. */
export function initializeTimeout(ms: number): LspError {
  return new LspError("INITIALIZE_TIMEOUT", `did not answer initialize within ${seconds(ms)}`);
}

/** The server answered `initialize` with an error. */
export function initializeFailed(reason: string): LspError {
  return new LspError("INITIALIZE_FAILED", `initialize failed: ${reason}`);
}

/** The process ended; `stderrTail` is the end of what it printed. */
export function serverExited(code: number | null, signal: string | null, stderrTail: string): LspError {
  const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? "unknown"}`;
  const tail = stderrTail.trim() === "" ? "" : ` (stderr: ${stderrTail.trim()})`;
  return new LspError("SERVER_EXITED", `the server ${how}${tail}`);
}

/** We stopped the server (shutdown, idle, or replaced). */
export function serverStopped(): LspError {
  return new LspError("SERVER_STOPPED", "the server was stopped");
}

/** A request got no answer in time (it is cancelled). */
export function requestTimeout(method: string, ms: number): LspError {
  return new LspError("REQUEST_TIMEOUT", `${method} got no answer within ${seconds(ms)}`);
}

/** A request was answered with an error. */
export function requestFailed(method: string, reason: string): LspError {
  return new LspError("REQUEST_FAILED", `${method} failed: ${reason}`);
}

/** The caller's signal aborted. */
export function aborted(): LspError {
  return new LspError("ABORTED", "aborted");
}

/** `1500` → `"1.5s"`. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}
