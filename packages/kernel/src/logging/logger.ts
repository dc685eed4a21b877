import type { Logger, LogSink } from "../contracts/logging.ts";
import type { NewId, Now } from "../platform.ts";

export interface LoggerOptions {
  sink: LogSink;
  now: Now;
  newId: NewId;
  extensionId: string;
}

/** PLACEHOLDER: being implemented. */
export function createLogger(_options: LoggerOptions): Logger {
  throw new Error("createLogger: not implemented yet");
}

/** PLACEHOLDER: being implemented. */
export const nullLogger: Logger = undefined as unknown as Logger;
