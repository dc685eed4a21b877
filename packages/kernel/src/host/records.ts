/**
 * What the host remembers per extension: its state, why it is disabled, its stamped logger, and
 * every registration it still holds (so a failed or deactivated extension can be rolled back).
 */
import type { Extension, ExtensionStatus } from "../contracts/extension.ts";
import type { Dispose } from "../contracts/hooks.ts";
import type { Logger } from "../contracts/logging.ts";

/** One extension inside the host. */
export interface ExtensionRecord {
  extension: Extension;
  state: "pending" | "activating" | "active" | "disabled";
  reason?: string;
  logger: Logger;
  /** Everything the extension registered and has not disposed, for rollback. */
  registrations: Set<Dispose>;
}

/** Removes everything the extension still has registered, newest first. */
export function rollback(record: ExtensionRecord): void {
  for (const dispose of [...record.registrations].reverse()) dispose();
  record.registrations.clear();
}

/** Why the extension is not active (undefined while it is). */
export function reasonOf(record: ExtensionRecord): string | undefined {
  if (record.state === "pending") return "not activated yet";
  if (record.state === "activating") return "activating";
  return record.reason;
}

/** The public view of a record. */
export function statusOf(record: ExtensionRecord): ExtensionStatus {
  const { id, version, description } = record.extension.manifest;
  const reason = reasonOf(record);
  return {
    id,
    version,
    ...(description === undefined ? {} : { description }),
    state: record.state === "active" ? "active" : "disabled",
    ...(reason === undefined ? {} : { reason }),
  };
}
