/**
 * The `conversation-store` extension: takes the database from `storageService`, migrates its
 * tables, repairs whatever a crash interrupted (before any turn can start) and provides
 * `conversationStoreService`.
 */
import { type Extension, KERNEL_API_VERSION, storageService } from "@dispatch/kernel";
import { createConversationStore } from "./store.ts";
import { conversationStoreService } from "./types.ts";

/** Creates the extension; it has no options (the database comes from `storage-sqlite`). */
export function createConversationStoreExtension(): Extension {
  let withdraw: (() => void) | undefined;
  return {
    manifest: {
      id: "conversation-store",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["storage-sqlite"],
      description: "Conversations, their chunk log (gap-free seq), turns, metrics and settings in SQLite",
    },
    activate(host) {
      const { sql } = host.getService(storageService);
      const store = createConversationStore({ sql, now: host.now, logger: host.logger });
      const report = store.recoverInterrupted();
      if (report.interruptedTurns > 0 || report.conversations.length > 0 || report.repairedToolCalls > 0) {
        host.logger.warn("recovered interrupted conversations", {
          conversations: report.conversations.length,
          interruptedTurns: report.interruptedTurns,
          repairedToolCalls: report.repairedToolCalls,
        });
      }
      withdraw = host.provideService(conversationStoreService, store);
    },
    deactivate() {
      withdraw?.();
      withdraw = undefined;
    },
  };
}
