/**
 * Converting between `LogRecord`s and rows: the stable record id (SHA-256 of the canonical record,
 * the body replaced by its hash), content-addressed bodies (SHA-256 of the text, gzip when larger
 * than 1 KiB and smaller compressed) and the way back.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { LogRecord, SpanLink } from "@dispatch/kernel";
import type { RecordRow } from "./schema.ts";

const COMPRESS_MIN_BYTES = 1024;

/** A body ready for the `bodies` table. */
export interface EncodedBody {
  hash: string;
  data: Uint8Array;
  isCompressed: 0 | 1;
  originalSize: number;
}

/** JSON with object keys sorted at every level, so equal records hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** SHA-256 hex of a string. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The body's content hash. */
export function bodyHash(body: string): string {
  return sha256(body);
}

/** The body as stored: gzip when that is smaller and the body is over 1 KiB. */
export function encodeBody(body: string, hash = bodyHash(body)): EncodedBody {
  const raw = Buffer.from(body, "utf8");
  if (raw.length > COMPRESS_MIN_BYTES) {
    const packed = gzipSync(raw);
    if (packed.length < raw.length) return { hash, data: packed, isCompressed: 1, originalSize: raw.length };
  }
  return { hash, data: raw, isCompressed: 0, originalSize: raw.length };
}

/** The body text back from its stored form. */
export function decodeBody(data: Uint8Array, isCompressed: number): string {
  const bytes = isCompressed ? gunzipSync(data) : data;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

/** The row of a record (its body goes to `bodies` under `bodyHash`). */
export function recordToRow(record: LogRecord, hashOfBody: string | null): RecordRow {
  const { body: _body, ...rest } = record;
  const id = sha256(canonicalJson({ ...rest, bodyHash: hashOfBody ?? undefined }));
  return {
    id,
    kind: record.kind,
    level: record.kind === "log" ? record.level : null,
    msg: record.kind === "log" ? record.msg : null,
    name: record.kind === "log" ? null : record.name,
    spanId: record.spanId ?? null,
    parentSpanId: record.parentSpanId ?? null,
    conversationId: record.conversationId ?? null,
    turnId: record.turnId ?? null,
    extensionId: record.extensionId,
    timestamp: record.timestamp,
    durationMs: record.kind === "span-close" ? record.durationMs : null,
    status: record.kind === "span-close" ? record.status : null,
    attributes: record.attributes ? JSON.stringify(record.attributes) : null,
    links: record.kind !== "log" && record.links ? JSON.stringify(record.links) : null,
    bodyHash: hashOfBody,
  };
}

/** The record of a row, without its body. */
export function rowToRecord(row: RecordRow): LogRecord {
  const base: Record<string, unknown> = { timestamp: row.timestamp, extensionId: row.extensionId };
  if (row.conversationId !== null) base.conversationId = row.conversationId;
  if (row.turnId !== null) base.turnId = row.turnId;
  if (row.spanId !== null) base.spanId = row.spanId;
  if (row.parentSpanId !== null) base.parentSpanId = row.parentSpanId;
  if (row.attributes !== null) base.attributes = JSON.parse(row.attributes);
  const links = row.links === null ? undefined : (JSON.parse(row.links) as SpanLink[]);
  if (row.kind === "log") return { ...base, kind: "log", level: row.level, msg: row.msg } as LogRecord;
  const span = { ...base, name: row.name, ...(links ? { links } : {}) };
  if (row.kind === "span-open") return { ...span, kind: "span-open" } as LogRecord;
  return { ...span, kind: "span-close", durationMs: row.durationMs, status: row.status } as LogRecord;
}
