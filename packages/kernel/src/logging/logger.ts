/**
 * The logger behind the `Logger`/`Span` contracts: every call becomes one flat `LogRecord` handed to
 * the injected `LogSink`; spans write an open record at once and a close record on `end`. The clock
 * and ids are injected, and no method ever throws (a failing sink or clock drops the record).
 */
import type {
  Attributes,
  AttributeValue,
  ErrorAttributes,
  LogContext,
  Logger,
  LogLevel,
  LogRecord,
  LogSink,
  Span,
  SpanLink,
} from "../contracts/logging.ts";
import type { NewId, Now } from "../platform.ts";
import { nullLogger } from "./null-logger.ts";

export { nullLogger };

/** What `createLogger` needs: where records go, the clock, an id source, and the stamped extension id. */
export interface LoggerOptions {
  sink: LogSink;
  now: Now;
  newId: NewId;
  extensionId: string;
}

/** Correlation fields every record of a logger carries, plus the span it logs inside (if any). */
interface Scope extends LogContext {
  extensionId: string;
  spanId?: string;
}

interface Effects {
  sink: LogSink;
  now: Now;
  newId: NewId;
}

/** A logger writing flat records to `options.sink`, stamped with `options.extensionId`. */
export function createLogger(options: LoggerOptions): Logger {
  const { sink, now, newId, extensionId } = options;
  return scopedLogger({ sink, now, newId }, { extensionId });
}

function scopedLogger(fx: Effects, scope: Scope): Logger {
  const log = (level: LogLevel, msg: string, attributes?: ErrorAttributes): void => {
    attempt(() => {
      const { attributes: attrs, body } = expandError(attributes);
      const merged = mergeAttributes(scope.attributes, attrs);
      write(fx, { kind: "log", level, msg, ...base(scope, fx.now()), ...optional(merged, body) });
    });
  };
  return {
    debug: (msg, attributes) => log("debug", msg, attributes),
    info: (msg, attributes) => log("info", msg, attributes),
    warn: (msg, attributes) => log("warn", msg, attributes),
    error: (msg, attributes) => log("error", msg, attributes),
    child: (context) => attemptOr(() => scopedLogger(fx, childScope(scope, context)), nullLogger),
    span: (name, attributes, body) =>
      attemptOr(() => openSpan(fx, scope, name, attributes, body), nullLogger.span(name)),
  };
}

function openSpan(fx: Effects, parent: Scope, name: string, attributes?: Attributes, body?: string): Span {
  const id = fx.newId();
  const start = fx.now();
  const scope: Scope = { ...parent, spanId: id };
  const parentSpanId = parent.spanId;
  const head = { spanId: id, name, ...(parentSpanId === undefined ? {} : { parentSpanId }) };
  let attrs: Attributes = { ...parent.attributes, ...attributes };
  const links: SpanLink[] = [];
  let ended = false;
  write(fx, { kind: "span-open", ...base(parent, start), ...head, ...optional(attrs, body) });
  const logger = scopedLogger(fx, scope);
  return {
    id,
    logger,
    setAttributes: (more) => {
      attrs = { ...attrs, ...more };
    },
    addLink: (link) => {
      links.push(link);
    },
    child: (childName, childAttributes, childBody) => logger.span(childName, childAttributes, childBody),
    end: (result) => {
      if (ended) return;
      ended = true;
      attempt(() => {
        const end = fx.now();
        const failure = result?.error === undefined ? {} : expandError({ err: result.error });
        const closeAttrs = mergeAttributes(mergeAttributes(attrs, result?.attributes), failure.attributes);
        write(fx, {
          kind: "span-close",
          ...base(parent, end),
          ...head,
          durationMs: end - start,
          status: result?.error === undefined ? "ok" : "error",
          ...optional(closeAttrs, result?.body ?? failure.body),
          ...(links.length > 0 ? { links: [...links] } : {}),
        });
      });
    },
  };
}

function childScope(scope: Scope, context: LogContext): Scope {
  const next: Scope = { ...scope, ...definedOnly(context) };
  const attributes = mergeAttributes(scope.attributes, context.attributes);
  if (attributes !== undefined) next.attributes = attributes;
  return next;
}

function base(scope: Scope, timestamp: number) {
  return {
    timestamp,
    extensionId: scope.extensionId,
    ...(scope.conversationId === undefined ? {} : { conversationId: scope.conversationId }),
    ...(scope.turnId === undefined ? {} : { turnId: scope.turnId }),
    ...(scope.spanId === undefined ? {} : { spanId: scope.spanId }),
  };
}

function optional(attributes: Attributes | undefined, body: string | undefined) {
  return {
    ...(attributes !== undefined && Object.keys(attributes).length > 0 ? { attributes } : {}),
    ...(body === undefined ? {} : { body }),
  };
}

/** Turns `err` into flat `error.name`/`error.message` (and `error.code`) attributes plus a stack body. */
function expandError(attributes?: ErrorAttributes): { attributes?: Attributes; body?: string } {
  if (attributes === undefined) return {};
  const { err, ...rest } = attributes;
  const flat = flatten(rest);
  if (err === undefined) return { attributes: flat };
  flat["error.name"] = errorName(err);
  flat["error.message"] = messageOf(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" || typeof code === "number") flat["error.code"] = code;
  return { attributes: flat, body: err instanceof Error ? err.stack : undefined };
}

/** Keeps scalar values, drops `undefined`, and renders anything else as text (attributes stay flat). */
function flatten(values: Record<string, unknown>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const scalar = value === null || ["string", "number", "boolean"].includes(typeof value);
    out[key] = scalar ? (value as AttributeValue) : messageOf(value);
  }
  return out;
}

function errorName(err: unknown): string {
  if (err instanceof Error) return err.name;
  return err === null ? "null" : typeof err;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "string") return err;
  return attemptOr(
    () => JSON.stringify(err) ?? String(err),
    attemptOr(() => String(err), "unprintable value"),
  );
}

function mergeAttributes(a?: Attributes, b?: Attributes): Attributes | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { ...a, ...b };
}

function definedOnly(context: LogContext): Partial<Scope> {
  const out: Partial<Scope> = {};
  if (context.extensionId !== undefined) out.extensionId = context.extensionId;
  if (context.conversationId !== undefined) out.conversationId = context.conversationId;
  if (context.turnId !== undefined) out.turnId = context.turnId;
  return out;
}

function write(fx: Effects, record: LogRecord): void {
  attempt(() => fx.sink.emit(record));
}

function attempt(fn: () => void): void {
  try {
    fn();
  } catch {
    // Logging never breaks its caller: a failing sink or clock drops the record.
  }
}

function attemptOr<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
