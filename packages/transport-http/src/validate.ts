/**
 * zod at the edge: parse a request's JSON body, query or path parameter, and turn a failure into a
 * 400 whose message names each bad field and what it must be.
 */
import type { Context } from "hono";
import { z } from "zod";

/** A 4xx/5xx the handlers throw; `app.onError` turns it into `{ error }`. */
export class HttpError extends Error {
  readonly status: 400 | 403 | 404 | 409 | 413 | 415 | 500 | 502 | 503;
  constructor(status: HttpError["status"], message: string) {
    super(message);
    this.status = status;
  }
}

/** Ids of conversations: what clients mint (UUIDs, short slugs), safe in logs and paths. */
export const conversationIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
    "must be 1-128 characters of letters, digits, '.', '_', ':' or '-'",
  );

/** Workspace ids are slugs. */
export const workspaceIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "must be a slug of 1-40 lowercase letters, digits or '-'");

export const reasoningEffortSchema = z.enum(["low", "medium", "high", "xhigh", "max"]);

/** `issue; issue` with dotted field paths. */
export function describeIssues(error: z.ZodError, what: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join(".") : what;
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}

/** Parses the JSON body against `schema`, or throws a 400 that says what to fix. Empty body = `{}`. */
export async function parseBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new HttpError(400, `Invalid JSON body: ${(err as Error).message}`);
    }
  }
  const result = schema.safeParse(value);
  if (!result.success)
    throw new HttpError(400, `Invalid request body: ${describeIssues(result.error, "body")}`);
  return result.data;
}

/** Parses the query string against `schema`, or throws a 400. */
export function parseQuery<T>(c: Context, schema: z.ZodType<T>): T {
  const result = schema.safeParse(c.req.query());
  if (!result.success) throw new HttpError(400, `Invalid query: ${describeIssues(result.error, "query")}`);
  return result.data;
}

/** The `:id` path parameter as a conversation id, or a 400. */
export function conversationIdParam(c: Context): string {
  const raw = c.req.param("id") ?? "";
  const result = conversationIdSchema.safeParse(raw);
  if (!result.success)
    throw new HttpError(400, `Invalid conversation id: ${describeIssues(result.error, "id")}`);
  return result.data;
}

/** A query integer: absent, or digits only within bounds. */
export function queryInt(min: number, name: string) {
  return z
    .string()
    .regex(/^\d+$/, `${name} must be an integer >= ${min}`)
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n >= min, `${name} must be an integer >= ${min}`)
    .optional();
}
