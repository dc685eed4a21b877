/**
 * `POST /chat`: starts a detached turn and streams its events as NDJSON, one JSON object per line,
 * flushed as produced. A client disconnect only unsubscribes; the turn goes on (stop it with
 * `POST /conversations/:id/stop`).
 */
import type { SessionOrchestrator } from "@dispatch/session-orchestrator";
import type { AgentEvent } from "@dispatch/wire";
import type { Context } from "hono";
import { z } from "zod";
import {
  conversationIdSchema,
  HttpError,
  parseBody,
  reasoningEffortSchema,
  workspaceIdSchema,
} from "./validate.ts";

const chatRequestSchema = z.object({
  conversationId: conversationIdSchema.optional(),
  message: z.string().trim().min(1, "must be a non-empty string"),
  model: z.string().min(1).optional(),
  cwd: z.string().min(1).optional(),
  reasoningEffort: reasoningEffortSchema.optional(),
  workspaceId: workspaceIdSchema.optional(),
  images: z.array(z.object({ url: z.string().min(1), mimeType: z.string().optional() })).optional(),
});

/** What the chat route needs. */
export interface ChatDeps {
  orchestrator: SessionOrchestrator;
  newConversationId(): string;
  /** Turns the server's idle timeout off for one long-lived response. */
  keepOpen(c: Context): void;
}

const encoder = new TextEncoder();

/** Handles `POST /chat`. */
export async function handleChat(c: Context, deps: ChatDeps): Promise<Response> {
  const body = await parseBody(c, chatRequestSchema);
  const conversationId = body.conversationId ?? deps.newConversationId();
  const outcome = deps.orchestrator.startTurn({ ...body, conversationId });
  const headers = {
    "content-type": "application/x-ndjson; charset=utf-8",
    "cache-control": "no-store",
    "x-conversation-id": conversationId,
  };

  if (!outcome.started) {
    if (outcome.reason !== "already-active") throw new HttpError(503, outcome.message);
    const turnId = deps.orchestrator.activeTurnId(conversationId) ?? "";
    const event: AgentEvent = {
      type: "error",
      conversationId,
      turnId,
      message: outcome.message,
      code: "TURN_ACTIVE",
    };
    return new Response(`${JSON.stringify(event)}\n`, { status: 200, headers });
  }

  deps.keepOpen(c);
  let unsubscribe: (() => void) | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      unsubscribe = deps.orchestrator.subscribe(conversationId, (event) => {
        if (event.type !== "status" && event.turnId !== outcome.turnId) return;
        try {
          controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
        } catch {
          unsubscribe?.();
        }
      });
      void outcome.settled.then(() => {
        unsubscribe?.();
        try {
          controller.close();
        } catch {
          // the client went away first; nothing to close
        }
      });
    },
    cancel() {
      unsubscribe?.();
    },
  });
  return new Response(stream, { status: 200, headers });
}
