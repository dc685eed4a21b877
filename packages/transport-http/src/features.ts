/**
 * Routes backed by optional feature extensions: cache warming, compaction and its threshold, the
 * system prompt template, throughput metrics. A
 * missing extension answers 503 with its name; a refusal (a turn is generating, too short) is 409.
 */
import { type CompactionService, DEFAULT_COMPACT_PERCENT } from "@dispatch/compaction";
import type { ConversationStore } from "@dispatch/conversation-store";
import type { LspService } from "@dispatch/lsp";
import type { WarmService } from "@dispatch/session-orchestrator";
import type { SystemPromptService } from "@dispatch/system-prompt";
import { type ThroughputService, throughputQuerySchema } from "@dispatch/throughput-store";
import type {
  CompactPercentResponse,
  CompactResponse,
  LspStatusResponse,
  SystemPromptResponse,
  SystemPromptVariablesResponse,
  ThroughputResponse,
  WarmResponse,
} from "@dispatch/transport-contract";
import { z } from "zod";
import type { DispatchApp } from "./app.ts";
import { conversationIdParam, conversationIdSchema, HttpError, parseBody, parseQuery } from "./validate.ts";

/** What the feature routes need; each getter returns undefined when the extension is absent. */
export interface FeatureDeps {
  store: ConversationStore;
  warm(): WarmService | undefined;
  compaction(): CompactionService | undefined;
  systemPrompt(): SystemPromptService | undefined;
  throughput(): ThroughputService | undefined;
  lsp(): LspService | undefined;
  /** The conversation's effective cwd when it has one of its own (or its workspace does). */
  ownCwd(conversationId: string): string | null;
}

const templateBody = z.object({
  template: z.string({ message: "template must be a string (empty = no system prompt)" }),
});

const warmBody = z.object({
  conversationId: conversationIdSchema,
  model: z.string().min(1).optional(),
  cwd: z.string().min(1).optional(),
});
const compactBody = z.object({
  keepLastN: z.number().int().min(1, "keepLastN must be at least 1").optional(),
  modelName: z.string().min(1).optional(),
});
const percentBody = z
  .object({ threshold: z.number().optional(), percent: z.number().optional() })
  .transform((b) => b.threshold ?? b.percent)
  .pipe(
    z
      .number({ message: "send { threshold: <0-100> } (0 = manual only)" })
      .min(0, "threshold must be 0-100")
      .max(100, "threshold must be 0-100"),
  );

function required<T>(service: T | undefined, extension: string): T {
  if (!service) throw new HttpError(503, `The ${extension} extension is not loaded.`);
  return service;
}

/** Registers the feature routes on `app`. */
export function registerFeatureRoutes(app: DispatchApp, deps: FeatureDeps): void {
  app.post("/chat/warm", async (c) => {
    const body = await parseBody(c, warmBody);
    const warm = required(deps.warm(), "session-orchestrator");
    const outcome = await warm.warm(body.conversationId, {
      ...(body.model ? { model: body.model } : {}),
      ...(body.cwd ? { cwd: body.cwd } : {}),
    });
    if ("error" in outcome) throw new HttpError(409, outcome.error);
    return c.json(outcome satisfies WarmResponse);
  });

  app.post("/conversations/:id/compact", async (c) => {
    const id = conversationIdParam(c);
    const body = await parseBody(c, compactBody);
    const compaction = required(deps.compaction(), "compaction");
    if (!deps.store.getMeta(id))
      throw new HttpError(404, `No conversation "${id}". List them with GET /conversations.`);
    const outcome = await compaction.compact(id, body);
    if ("error" in outcome) throw new HttpError(409, outcome.error);
    const { newConversationId, messagesSummarized, messagesKept } = outcome;
    return c.json({
      conversationId: id,
      newConversationId,
      messagesSummarized,
      messagesKept,
    } satisfies CompactResponse);
  });

  app.get("/conversations/:id/compact-percent", (c) => {
    const id = conversationIdParam(c);
    const stored = deps.store.getMeta(id) ? deps.store.getCompactPercent(id) : null;
    return c.json({
      conversationId: id,
      threshold: stored ?? DEFAULT_COMPACT_PERCENT,
    } satisfies CompactPercentResponse);
  });
  app.put("/conversations/:id/compact-percent", async (c) => {
    const id = conversationIdParam(c);
    const threshold = await parseBody(c, percentBody);
    deps.store.ensureConversation(id);
    deps.store.setCompactPercent(id, threshold);
    return c.json({ conversationId: id, threshold } satisfies CompactPercentResponse);
  });

  app.get("/system-prompt", (c) => {
    const service = required(deps.systemPrompt(), "system-prompt");
    return c.json({ template: service.getTemplate() } satisfies SystemPromptResponse);
  });
  app.put("/system-prompt", async (c) => {
    const { template } = await parseBody(c, templateBody);
    required(deps.systemPrompt(), "system-prompt").setTemplate(template);
    return c.json({ template } satisfies SystemPromptResponse);
  });
  app.get("/system-prompt/variables", (c) => {
    const service = required(deps.systemPrompt(), "system-prompt");
    return c.json({ variables: service.variables() } satisfies SystemPromptVariablesResponse);
  });

  app.get("/metrics/throughput", (c) => {
    const query = parseQuery(c, throughputQuerySchema);
    const body: ThroughputResponse = required(deps.throughput(), "throughput-store").aggregate(query);
    return c.json(body);
  });

  app.get("/conversations/:id/lsp", (c) => {
    const id = conversationIdParam(c);
    const lsp = required(deps.lsp(), "lsp");
    // Like the reference: no cwd of its own, no servers (never the server's own directory).
    const cwd = deps.ownCwd(id);
    return c.json({
      conversationId: id,
      cwd,
      servers: cwd ? lsp.status(cwd) : [],
    } satisfies LspStatusResponse);
  });
}
