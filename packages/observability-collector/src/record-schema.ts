/**
 * Validation of journal lines as they enter the collector: a line becomes a `LogRecord` only if it
 * has the shape the kernel's logging contract defines; anything else is counted as malformed and
 * skipped, so one bad line never blocks ingestion.
 */
import type { LogRecord } from "@dispatch/kernel";
import { z } from "zod";

const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const link = z.object({ spanId: z.string(), turnId: z.string().optional(), reason: z.string().optional() });
const base = {
  timestamp: z.number(),
  extensionId: z.string(),
  conversationId: z.string().optional(),
  turnId: z.string().optional(),
  spanId: z.string().optional(),
  parentSpanId: z.string().optional(),
  attributes: z.record(z.string(), attributeValue).optional(),
  body: z.string().optional(),
};

/** The `LogRecord` union as a zod schema (unknown keys are dropped). */
export const logRecordSchema = z.discriminatedUnion("kind", [
  z.object({
    ...base,
    kind: z.literal("log"),
    level: z.enum(["debug", "info", "warn", "error"]),
    msg: z.string(),
  }),
  z.object({
    ...base,
    kind: z.literal("span-open"),
    spanId: z.string(),
    name: z.string(),
    links: z.array(link).optional(),
  }),
  z.object({
    ...base,
    kind: z.literal("span-close"),
    spanId: z.string(),
    name: z.string(),
    durationMs: z.number(),
    status: z.enum(["ok", "error"]),
    links: z.array(link).optional(),
  }),
]);

/** The record on a journal line, or `undefined` if the line is not valid JSON of a `LogRecord`. */
export function parseRecordLine(line: string): LogRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = logRecordSchema.safeParse(value);
  return parsed.success ? (parsed.data as LogRecord) : undefined;
}
