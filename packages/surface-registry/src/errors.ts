/**
 * The registry's error codes. Providers throw these (through the factories) for expected problems
 * with an `invoke`; transports forward the message to the client as an `error`.
 */

/** Every code, sorted. */
export type SurfaceErrorCode = "INVALID_PAYLOAD" | "UNKNOWN_ACTION" | "UNKNOWN_SURFACE";

/** A problem the client can fix; `message` says how. */
export class SurfaceError extends Error {
  readonly code: SurfaceErrorCode;
  readonly surfaceId: string;

  constructor(code: SurfaceErrorCode, surfaceId: string, message: string) {
    super(message);
    this.name = "SurfaceError";
    this.code = code;
    this.surfaceId = surfaceId;
  }
}

/** No surface has this id. */
export function unknownSurface(surfaceId: string): SurfaceError {
  return new SurfaceError(
    "UNKNOWN_SURFACE",
    surfaceId,
    `unknown surface "${surfaceId}": use an id from the latest catalog`,
  );
}

/** The surface has no action with this id. */
export function unknownAction(surfaceId: string, actionId: string, known: readonly string[]): SurfaceError {
  const list =
    known.length === 0 ? "it has no actions" : `its actions are ${known.map((a) => `"${a}"`).join(", ")}`;
  return new SurfaceError(
    "UNKNOWN_ACTION",
    surfaceId,
    `surface "${surfaceId}" has no action "${actionId}": ${list}`,
  );
}

/** The payload does not fit the action; `expected` says what would. */
export function invalidPayload(surfaceId: string, actionId: string, expected: string): SurfaceError {
  return new SurfaceError(
    "INVALID_PAYLOAD",
    surfaceId,
    `invalid payload for "${actionId}" of surface "${surfaceId}": ${expected}`,
  );
}
