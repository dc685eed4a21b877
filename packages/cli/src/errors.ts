/**
 * The CLI's exit codes and its one error type. Every failure a user can cause or meet becomes a
 * `CliError` carrying the exit code and a message that says what to do next; `run` prints it.
 */

/** Process exit codes, documented in the README. */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** The turn ended in error, or the server refused or failed the request. */
  FAILED: 1,
  /** Bad command line (unknown command or flag, missing or invalid value). */
  USAGE: 2,
  /** No Dispatch server answered at the URL. */
  UNREACHABLE: 3,
  /** The server refused the token (401) or the request's origin (403). */
  AUTH: 4,
  /** Interrupted with Ctrl-C (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

/** One of the `EXIT` values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure with its exit code; `message` is printed as `dispatch: <message>`. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  /** Extra lines printed after the message (usage line, hints). */
  readonly details: readonly string[];

  constructor(exitCode: ExitCode, message: string, details: readonly string[] = []) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** A command-line mistake (exit 2), with the usage line to show. */
export function usageError(message: string, usage?: string): CliError {
  return new CliError(EXIT.USAGE, message, usage ? [`Usage: ${usage}`] : []);
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
