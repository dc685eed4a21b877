/**
 * The kernel's error codes. Boot-time problems (bad extension graph, double registration) throw a
 * `KernelError`; everything that can go wrong during a turn is a value (an event or a result).
 */

/** Every code the kernel throws with, sorted. */
export type KernelErrorCode =
  | "API_VERSION_MISMATCH"
  | "DEPENDENCY_CYCLE"
  | "DUPLICATE_EXTENSION"
  | "DUPLICATE_PROVIDER"
  | "DUPLICATE_TOOL"
  | "MISSING_DEPENDENCY"
  | "REGISTRATION_CLOSED"
  | "SERVICE_ALREADY_PROVIDED"
  | "SERVICE_MISSING";

/** An error with a stable code and the ids involved. */
export class KernelError extends Error {
  readonly code: KernelErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: KernelErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.name = "KernelError";
    this.code = code;
    this.context = context;
  }
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "string") return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
