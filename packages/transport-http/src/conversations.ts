/**
 * The conversation routes: list, windowed history, status, last reply, metrics, stop and close.
 */
import type { ConversationStore } from "@dispatch/conversation-store";
import type { SessionOrchestrator } from "@dispatch/session-orchestrator";
import type {
  ConversationHistoryResponse,
  ConversationListResponse,
  ConversationMetricsResponse,
  ConversationStatusResponse,
  LastMessageResponse,
  StopResponse,
} from "@dispatch/transport-contract";
import { z } from "zod";
import type { DispatchApp } from "./app.ts";
import { conversationIdParam, HttpError, parseQuery, queryInt, workspaceIdSchema } from "./validate.ts";

/** What the conversation routes need. */
export interface ConversationDeps {
  store: ConversationStore;
  orchestrator: SessionOrchestrator;
}

const STATUSES = ["active", "queued", "idle", "closed"] as const;

const listQuery = z.object({
  status: z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== ""),
    )
    .pipe(z.array(z.enum(STATUSES, { message: `each status must be one of ${STATUSES.join(", ")}` })))
    .optional(),
  workspaceId: workspaceIdSchema.optional(),
  q: z.string().max(128).optional(),
});

const windowQuery = z.object({
  sinceSeq: queryInt(0, "sinceSeq"),
  beforeSeq: queryInt(1, "beforeSeq"),
  limit: queryInt(1, "limit"),
  includeRunning: z
    .enum(["true", "false"], { message: "includeRunning must be true or false" })
    .transform((v) => v === "true")
    .optional(),
});

/** How long `GET /last` waits for a running turn to settle. */
const LAST_WAIT_MS = 60_000;

/** Registers the conversation routes on `app`. */
export function registerConversationRoutes(app: DispatchApp, deps: ConversationDeps): void {
  const { store, orchestrator } = deps;

  function requireConversation(id: string): void {
    if (!store.getMeta(id))
      throw new HttpError(404, `No conversation "${id}". List them with GET /conversations.`);
  }

  app.get("/conversations", (c) => {
    const query = parseQuery(c, listQuery);
    const body: ConversationListResponse = {
      conversations: store.listConversations({
        ...(query.status ? { status: query.status } : {}),
        ...(query.workspaceId ? { workspaceId: query.workspaceId } : {}),
        ...(query.q ? { idPrefix: query.q } : {}),
      }),
    };
    return c.json(body);
  });

  app.get("/conversations/:id", (c) => {
    const id = conversationIdParam(c);
    const window = parseQuery(c, windowQuery);
    // A running turn's chunks reach clients as live events (chat.subscribe replays them); showing
    // them here too makes the web client render them twice until the turn seals. They are stored
    // as each step ends all the same; `includeRunning=true` reads them (e.g. to poll a turn).
    const { includeRunning, ...bounds } = window;
    const body: ConversationHistoryResponse = store.readChunks(id, {
      ...bounds,
      excludeRunningTurn: !includeRunning && orchestrator.isActive(id),
    });
    return c.json(body);
  });

  app.get("/conversations/:id/status", (c) => {
    const id = conversationIdParam(c);
    const meta = store.getMeta(id);
    if (!meta) throw new HttpError(404, `No conversation "${id}". List them with GET /conversations.`);
    const body: ConversationStatusResponse = {
      conversationId: id,
      isActive: orchestrator.isActive(id),
      status: meta.status,
    };
    return c.json(body);
  });

  app.get("/conversations/:id/last", async (c) => {
    const id = conversationIdParam(c);
    if (!orchestrator.isActive(id)) requireConversation(id);
    await orchestrator.waitIdle(id, LAST_WAIT_MS);
    const last = store.lastAssistantText(id);
    const body: LastMessageResponse = { conversationId: id, ...last };
    return c.json(body);
  });

  app.get("/conversations/:id/metrics", (c) => {
    const id = conversationIdParam(c);
    const body: ConversationMetricsResponse = { turns: store.loadMetrics(id) };
    return c.json(body);
  });

  app.post("/conversations/:id/stop", (c) => {
    const id = conversationIdParam(c);
    const body: StopResponse = { conversationId: id, ...orchestrator.stop(id) };
    return c.json(body);
  });

  app.post("/conversations/:id/close", (c) => {
    const id = conversationIdParam(c);
    const body: StopResponse = { conversationId: id, ...orchestrator.close(id) };
    return c.json(body);
  });
}
