/**
 * The `compaction` extension: the manual `compactionService`, automatic compaction after a turn
 * whose context passed the conversation's threshold, and in-flight compaction at a step boundary
 * when the next request would overflow the model's window (so a long agent run does not fail).
 */
import { conversationStoreService } from "@dispatch/conversation-store";
import { credentialStoreService } from "@dispatch/credential-store";
import { defineEvent, defineService, type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import {
  sessionOrchestratorService,
  stepBoundaryService,
  systemPromptSourceService,
  turnSettled,
} from "@dispatch/session-orchestrator";
import type { CompactionResult } from "@dispatch/wire";
import { type CompactDeps, type CompactOptions, compactConversation } from "./compact.ts";

/** Default auto-compaction threshold, percent of the model's context window. */
export const DEFAULT_COMPACT_PERCENT = 85;
/** In-flight compaction starts when the next request would pass this share of the window. */
const IN_FLIGHT_SHARE = 0.9;

/** Compacts conversations on request. */
export interface CompactionService {
  /** Refuses while the conversation is generating. */
  compact(
    conversationId: string,
    options?: Omit<CompactOptions, "turnId" | "signal">,
  ): Promise<CompactionResult | { error: string }>;
}
export const compactionService = defineService<CompactionService>("compaction/service");

/** A conversation's live history was replaced; clients reload it. */
export const conversationCompacted = defineEvent<{
  conversationId: string;
  newConversationId: string;
  messagesSummarized: number;
  messagesKept: number;
}>("compaction/compacted");

/** Options of the extension. */
export interface CompactionOptions {
  /** Used when the provider does not report a model's context window. */
  defaultContextWindow: number;
}

/** Creates the extension. */
export function createCompactionExtension(options: CompactionOptions): Extension {
  return {
    manifest: {
      id: "compaction",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["conversation-store", "credential-store", "session-orchestrator"],
      description: "Summarizes old history into an archive when the context window fills up",
    },
    activate(host) {
      const store = host.getService(conversationStoreService);
      const credentials = host.getService(credentialStoreService);
      const orchestrator = host.getService(sessionOrchestratorService);
      const deps: CompactDeps = {
        store,
        credentials,
        logger: host.logger,
        newId: () => crypto.randomUUID(),
        now: host.now,
      };

      // Context windows from the model catalog, learned in the background: the step-boundary check
      // runs on every tool step and must not wait for a provider's /models.
      const windows = new Map<string, number>();
      let catalogLoad: Promise<void> | undefined;
      function loadWindows(): Promise<void> {
        catalogLoad ??= credentials
          .catalog()
          .then((catalog) => {
            for (const [name, info] of Object.entries(catalog.modelInfo)) {
              if (info.contextWindow) windows.set(name, info.contextWindow);
            }
          })
          .catch(() => {})
          .finally(() => {
            // Look again next time (the catalog caches for a while itself).
            setTimeout(() => {
              catalogLoad = undefined;
            }, 60_000).unref();
          });
        return catalogLoad;
      }
      /** The window now: what the catalog said, else the configured default. */
      function knownWindow(modelName: string): number {
        if (!windows.has(modelName)) void loadWindows();
        return windows.get(modelName) ?? options.defaultContextWindow;
      }
      async function contextWindow(modelName: string): Promise<number> {
        if (!windows.has(modelName)) await loadWindows();
        return knownWindow(modelName);
      }

      async function run(conversationId: string, compactOptions: CompactOptions) {
        const outcome = await compactConversation(deps, conversationId, compactOptions);
        if ("error" in outcome) return outcome;
        host.tryGetService(systemPromptSourceService)?.invalidate(conversationId);
        const { newConversationId, messagesSummarized, messagesKept } = outcome.result;
        host.emit(conversationCompacted, {
          conversationId,
          newConversationId,
          messagesSummarized,
          messagesKept,
        });
        host.logger.info("conversation compacted", {
          conversationId,
          newConversationId,
          messagesSummarized,
          messagesKept,
        });
        return outcome;
      }

      host.provideService(compactionService, {
        async compact(conversationId, compactOptions = {}) {
          if (orchestrator.isActive(conversationId)) return { error: "conversation is generating" };
          const outcome = await run(conversationId, compactOptions);
          return "error" in outcome ? outcome : outcome.result;
        },
      });

      host.on(turnSettled, async ({ conversationId, sealed, model, metrics }) => {
        if (!sealed || !model || metrics?.contextSize === undefined) return;
        const percent = store.getCompactPercent(conversationId) ?? DEFAULT_COMPACT_PERCENT;
        if (percent <= 0) return;
        const window = await contextWindow(model);
        if (metrics.contextSize < (window * percent) / 100) return;
        if (orchestrator.isActive(conversationId)) return;
        const outcome = await run(conversationId, { modelName: model });
        if ("error" in outcome)
          host.logger.warn("automatic compaction failed", { conversationId, reason: outcome.error });
      });

      host.provideService(stepBoundaryService, {
        async onStepBoundary(context) {
          const window = knownWindow(context.model);
          const estimate =
            context.usage.inputTokens + context.usage.outputTokens + pendingTokens(context.messages);
          if (estimate < window * IN_FLIGHT_SHARE) return undefined;
          const outcome = await run(context.conversationId, {
            modelName: context.model,
            turnId: context.turnId,
            signal: context.signal,
          });
          if ("error" in outcome) {
            host.logger.warn("in-flight compaction failed; the turn goes on uncompacted", {
              conversationId: context.conversationId,
              reason: outcome.error,
            });
            return undefined;
          }
          return outcome.history;
        },
      });
    },
  };
}

/**
 * Tokens the last step's usage does not yet count: the tool results (and steering) appended after
 * the last assistant message, estimated at four characters a token.
 */
function pendingTokens(messages: readonly { role: string; chunks: readonly { type: string }[] }[]): number {
  let chars = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (!message || message.role === "assistant") break;
    chars += JSON.stringify(message.chunks).length;
  }
  return Math.ceil(chars / 4);
}
