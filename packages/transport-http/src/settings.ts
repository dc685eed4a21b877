/**
 * Per-conversation settings and actions: cwd, model, reasoning effort, title, open, and the
 * steering queue. Reads of a never-seen conversation answer with nulls (clients probe draft ids
 * before the first message); writes create the conversation.
 */
import type { ConversationStore } from "@dispatch/conversation-store";
import type { MessageQueue } from "@dispatch/message-queue";
import type { SessionOrchestrator } from "@dispatch/session-orchestrator";
import type {
  CwdResponse,
  ModelResponse,
  OpenResponse,
  QueueCancelResponse,
  QueueResponse,
  ReasoningEffortResponse,
  TitleResponse,
} from "@dispatch/transport-contract";
import { z } from "zod";
import type { DispatchApp } from "./app.ts";
import {
  conversationIdParam,
  HttpError,
  parseBody,
  reasoningEffortSchema,
  workspaceIdSchema,
} from "./validate.ts";

/** What the settings routes need. */
export interface SettingsDeps {
  store: ConversationStore;
  orchestrator: SessionOrchestrator;
  /** Absent when the message-queue extension is not loaded (503). */
  queue(): MessageQueue | undefined;
}

const cwdBody = z.object({
  cwd: z.string().trim().min(1, "must be a non-empty path"),
  workspaceId: workspaceIdSchema.optional(),
});
const modelBody = z.object({ model: z.string().trim().nullable() });
const effortBody = z.object({ reasoningEffort: reasoningEffortSchema });
const titleBody = z.object({ title: z.string().trim().min(1, "must be a non-empty string").max(200) });
const queueBody = z
  .object({
    text: z.string().optional(),
    message: z.string().optional(),
    workspaceId: workspaceIdSchema.optional(),
  })
  .transform((b) => ({ text: (b.text ?? b.message ?? "").trim(), workspaceId: b.workspaceId }))
  .refine((b) => b.text !== "", { message: "text (or message) must be a non-empty string", path: ["text"] });

/** Registers the settings routes on `app`. */
export function registerSettingsRoutes(app: DispatchApp, deps: SettingsDeps): void {
  const { store, orchestrator } = deps;
  const settings = (id: string) =>
    store.getMeta(id) ? store.getSettings(id) : { cwd: null, model: null, reasoningEffort: null };

  app.get("/conversations/:id/cwd", (c) => {
    const id = conversationIdParam(c);
    return c.json({ conversationId: id, cwd: settings(id).cwd } satisfies CwdResponse);
  });
  app.put("/conversations/:id/cwd", async (c) => {
    const id = conversationIdParam(c);
    const body = await parseBody(c, cwdBody);
    store.ensureConversation(id, body.workspaceId ? { workspaceId: body.workspaceId } : {});
    if (body.workspaceId) store.setWorkspace(id, body.workspaceId);
    store.setCwd(id, body.cwd);
    return c.json({ conversationId: id, cwd: body.cwd } satisfies CwdResponse);
  });
  app.delete("/conversations/:id/cwd", (c) => {
    const id = conversationIdParam(c);
    if (store.getMeta(id)) store.setCwd(id, null);
    return c.json({ conversationId: id, cwd: null } satisfies CwdResponse);
  });

  app.get("/conversations/:id/model", (c) => {
    const id = conversationIdParam(c);
    return c.json({ conversationId: id, model: settings(id).model } satisfies ModelResponse);
  });
  app.put("/conversations/:id/model", async (c) => {
    const id = conversationIdParam(c);
    const { model } = await parseBody(c, modelBody);
    const value = model === null || model === "" ? null : model;
    store.ensureConversation(id);
    store.setModel(id, value);
    return c.json({ conversationId: id, model: value } satisfies ModelResponse);
  });

  app.get("/conversations/:id/reasoning-effort", (c) => {
    const id = conversationIdParam(c);
    return c.json({
      conversationId: id,
      reasoningEffort: settings(id).reasoningEffort,
    } satisfies ReasoningEffortResponse);
  });
  app.put("/conversations/:id/reasoning-effort", async (c) => {
    const id = conversationIdParam(c);
    const { reasoningEffort } = await parseBody(c, effortBody);
    store.ensureConversation(id);
    store.setReasoningEffort(id, reasoningEffort);
    return c.json({ conversationId: id, reasoningEffort } satisfies ReasoningEffortResponse);
  });

  app.put("/conversations/:id/title", async (c) => {
    const id = conversationIdParam(c);
    const { title } = await parseBody(c, titleBody);
    if (!store.getMeta(id))
      throw new HttpError(404, `No conversation "${id}". List them with GET /conversations.`);
    store.setTitle(id, title);
    return c.json({ conversationId: id, title } satisfies TitleResponse);
  });

  app.post("/conversations/:id/open", (c) => {
    const id = conversationIdParam(c);
    orchestrator.open(id);
    return c.json({ conversationId: id } satisfies OpenResponse);
  });

  app.post("/conversations/:id/queue", async (c) => {
    const id = conversationIdParam(c);
    const body = await parseBody(c, queueBody);
    const queue = requireQueue(deps);
    const outcome = queue.enqueue(id, body.text, body.workspaceId ? { workspaceId: body.workspaceId } : {});
    if ("error" in outcome) throw new HttpError(503, outcome.error);
    return c.json({ conversationId: id, ...outcome } satisfies QueueResponse);
  });
  app.delete("/conversations/:id/queue/:messageId", (c) => {
    const id = conversationIdParam(c);
    const messageId = c.req.param("messageId") ?? "";
    const outcome = requireQueue(deps).cancel(id, messageId);
    return c.json({ conversationId: id, ...outcome } satisfies QueueCancelResponse);
  });
}

function requireQueue(deps: SettingsDeps): MessageQueue {
  const queue = deps.queue();
  if (!queue) throw new HttpError(503, "The message queue extension is not loaded.");
  return queue;
}
