/**
 * `POST /chat`: starts a detached turn and streams its events as NDJSON, one JSON object per line,
 * flushed as produced (the first line of a burst at once, the rest of the burst as one write). A
 * client disconnect only unsubscribes; the turn goes on (stop it with `POST /conversations/:id/stop`).
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
  let lines: NdjsonWriter | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const writer = createNdjsonWriter(controller, () => unsubscribe?.());
      lines = writer;
      unsubscribe = deps.orchestrator.subscribe(conversationId, (event) => {
        if (event.type !== "status" && event.turnId !== outcome.turnId) return;
        writer.write(`${JSON.stringify(event)}\n`);
      });
      void outcome.settled.then(() => {
        unsubscribe?.();
        writer.close();
      });
    },
    cancel() {
      unsubscribe?.();
      lines?.discard();
    },
  });
  return new Response(stream, { status: 200, headers });
}

/** Writes NDJSON lines to a response stream. */
export interface NdjsonWriter {
  write(line: string): void;
  /** Writes what is pending and closes the stream. */
  close(): void;
  /** Drops what is pending (the client went away). */
  discard(): void;
}

/**
 * Enqueues the first line of a burst at once (the first token is never held back) and joins the
 * lines that follow within the same macrotask into one chunk, enqueued on `setImmediate`: one
 * socket write per burst instead of one per event. (A microtask would not batch: the turn's events
 * arrive through async iteration, one microtask apart.) `onGone` runs when the stream refuses a chunk.
 */
export function createNdjsonWriter(
  controller: ReadableStreamDefaultController<Uint8Array>,
  onGone: () => void,
): NdjsonWriter {
  let batch: string | undefined;
  let done = false;
  const enqueue = (text: string) => {
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      done = true;
      onGone();
    }
  };
  const flush = () => {
    const text = batch;
    batch = undefined;
    if (text && !done) enqueue(text);
  };
  return {
    write(line) {
      if (done) return;
      if (batch !== undefined) {
        batch += line;
        return;
      }
      enqueue(line);
      batch = "";
      setImmediate(flush);
    },
    close() {
      flush();
      if (done) return;
      done = true;
      try {
        controller.close();
      } catch {
        // the client went away first; nothing to close
      }
    },
    discard() {
      batch = undefined;
      done = true;
    },
  };
}
