/**
 * Cache warming: replays a conversation's exact prompt prefix (same model, system prompt, tools
 * and history as its next turn would send) plus a tiny probe message, asking for one output token,
 * so the provider's prompt cache stays hot between turns. Nothing is persisted.
 */
import type { ConversationStore } from "@dispatch/conversation-store";
import { errorMessage, type HostApi, type ProviderEvent } from "@dispatch/kernel";
import type { ChatMessage, Usage } from "@dispatch/wire";
import { type WarmOutcome, type WarmService, warmCompleted } from "./handles.ts";
import { type PrepareDeps, prepareRequest } from "./prepare.ts";

/** The probe appended after the history; never persisted. */
export const WARM_PROBE: ChatMessage = {
  role: "user",
  chunks: [{ type: "text", text: "reply with just a ." }],
};

/** Percent, 0-100, with one decimal. */
function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0;
}

/** Creates the warm service. `isActive` tells whether a turn is generating. */
export function createWarmService(
  deps: PrepareDeps & { store: ConversationStore },
  isActive: (conversationId: string) => boolean,
): WarmService {
  const host: HostApi = deps.host;
  return {
    async warm(conversationId, options = {}): Promise<WarmOutcome> {
      if (isActive(conversationId)) return { error: "conversation is generating" };
      if (!deps.store.getMeta(conversationId)) return { error: "no history" };
      const history = deps.store.loadHistory(conversationId);
      if (history.length === 0) return { error: "no history" };
      const prepared = await prepareRequest(deps, conversationId, options);
      if ("error" in prepared) return prepared;
      const controller = new AbortController();
      const logger = host.logger.child({ conversationId, attributes: { warm: true } });
      const span = logger.span("warm", { model: prepared.resolved.name });
      let usage: Usage | undefined;
      let failure: string | undefined;
      try {
        const events: AsyncIterable<ProviderEvent> = prepared.resolved.provider.stream({
          model: prepared.resolved.model,
          messages: [...history, WARM_PROBE],
          tools: prepared.tools,
          ...(prepared.systemPrompt ? { systemPrompt: prepared.systemPrompt } : {}),
          reasoningEffort: prepared.reasoningEffort,
          maxOutputTokens: 1,
          signal: controller.signal,
          logger: span.logger,
        });
        for await (const event of events) {
          if (event.type === "usage") usage = event.usage;
          if (event.type === "error") failure = event.message;
        }
      } catch (err) {
        failure = errorMessage(err);
      }
      span.end(failure ? { error: failure } : {});
      if (failure) return { error: `the warm request failed: ${failure}` };
      const input = usage?.inputTokens ?? 0;
      const read = usage?.cacheReadTokens ?? 0;
      const write = usage?.cacheWriteTokens ?? 0;
      const result = {
        inputTokens: input,
        outputTokens: usage?.outputTokens ?? 0,
        cacheReadTokens: read,
        cacheWriteTokens: write,
        cachePct: percent(read, input),
        expectedCacheRate: percent(read, read + write),
      };
      host.emit(warmCompleted, { conversationId, result, at: host.now() });
      return result;
    },
  };
}
