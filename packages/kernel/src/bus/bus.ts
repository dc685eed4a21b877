import type { Bus } from "../contracts/hooks.ts";
import type { Logger } from "../contracts/logging.ts";

/** PLACEHOLDER: being implemented. */
export function createBus(_logger: Logger): Bus {
  throw new Error("createBus: not implemented yet");
}
