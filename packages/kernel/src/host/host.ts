import type { Host, HostOptions } from "../contracts/extension.ts";

/** PLACEHOLDER: being implemented. */
export function createHost(_options: HostOptions): Host {
  throw new Error("createHost: not implemented yet");
}
