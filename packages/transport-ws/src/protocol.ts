/**
 * The frames of the socket and their validation (zod, at the edge). Every client frame is one JSON
 * object in a text frame; a bad one is answered with an `error` (surface and connection messages)
 * or a `chat.error` (chat messages) that says what to fix, and the connection stays open.
 */
import type { WsChatClientMessage, WsChatServerMessage } from "@dispatch/transport-contract";
import type { SurfaceClientMessage, SurfaceServerMessage } from "@dispatch/ui-contract";
import { z } from "zod";

/** Authenticates a connection that sent no token on the upgrade; must be its first frame. */
export interface AuthMessage {
  type: "auth";
  token: string;
}

/** Everything a client may send. */
export type WsClientMessage = SurfaceClientMessage | WsChatClientMessage | AuthMessage;

/** Everything the server sends. */
export type WsServerMessage = SurfaceServerMessage | WsChatServerMessage;

/** The outcome of parsing one frame. */
export type ParsedFrame = { ok: true; message: WsClientMessage } | { ok: false; reply: WsServerMessage };

const conversationId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
    "must be 1-128 characters of letters, digits, '.', '_', ':' or '-'",
  );
const workspaceId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "must be a slug of 1-40 lowercase letters, digits or '-'");
const surfaceId = z.string().min(1, "must be a non-empty string").max(200);
const nonEmpty = z.string().trim().min(1, "must be a non-empty string");

const schemas = {
  auth: z.object({ type: z.literal("auth"), token: z.string().min(1, "must be a non-empty string") }),
  subscribe: z.object({ type: z.literal("subscribe"), surfaceId, conversationId: conversationId.optional() }),
  unsubscribe: z.object({
    type: z.literal("unsubscribe"),
    surfaceId,
    conversationId: conversationId.optional(),
  }),
  invoke: z.object({
    type: z.literal("invoke"),
    surfaceId,
    actionId: z.string().min(1, "must be a non-empty string"),
    payload: z.unknown().optional(),
    conversationId: conversationId.optional(),
  }),
  "chat.send": z.object({
    type: z.literal("chat.send"),
    conversationId: conversationId.optional(),
    message: nonEmpty,
    model: z.string().min(1).optional(),
    cwd: z.string().min(1).optional(),
    reasoningEffort: z.enum(["low", "medium", "high", "xhigh", "max"]).optional(),
    workspaceId: workspaceId.optional(),
    images: z.array(z.object({ url: z.string().min(1), mimeType: z.string().optional() })).optional(),
  }),
  "chat.subscribe": z.object({ type: z.literal("chat.subscribe"), conversationId }),
  "chat.unsubscribe": z.object({ type: z.literal("chat.unsubscribe"), conversationId }),
  "chat.queue": z.object({
    type: z.literal("chat.queue"),
    conversationId,
    text: nonEmpty,
    workspaceId: workspaceId.optional(),
  }),
  "chat.queue.cancel": z.object({
    type: z.literal("chat.queue.cancel"),
    conversationId,
    messageId: z.string().min(1, "must be a non-empty string"),
  }),
} satisfies Record<WsClientMessage["type"], z.ZodType<WsClientMessage>>;

const TYPES = Object.keys(schemas);

/** Parses and validates one text frame. */
export function parseFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail(`frame is not valid JSON (${(err as Error).message}): send one JSON object per text frame`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail('frame must be a JSON object with a string "type"');
  }
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== "string") return fail(`frame needs a string "type", one of ${TYPES.join(", ")}`);
  if (!Object.hasOwn(schemas, type)) {
    return fail(`unknown message type "${type.slice(0, 64)}": expected one of ${TYPES.join(", ")}`);
  }
  const result = schemas[type as keyof typeof schemas].safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  const problems = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "frame"}: ${issue.message}`)
    .join("; ");
  const message = `invalid ${type}: ${problems}`;
  if (type.startsWith("chat.")) {
    const id = typeof record.conversationId === "string" ? { conversationId: record.conversationId } : {};
    return { ok: false, reply: { type: "chat.error", message, ...id } };
  }
  return fail(message, typeof record.surfaceId === "string" ? record.surfaceId : undefined);
}

/** An `error` reply. */
export function errorReply(message: string, surfaceId?: string): WsServerMessage {
  return { type: "error", message, ...(surfaceId === undefined ? {} : { surfaceId }) };
}

function fail(message: string, surfaceId?: string): ParsedFrame {
  return { ok: false, reply: errorReply(message, surfaceId) };
}
