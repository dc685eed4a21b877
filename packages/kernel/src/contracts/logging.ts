/**
 * The logging ABI. Extensions log through the `Logger` the host hands them (stamped with their
 * extension id); records flow into one injected `LogSink` (the journal in production, an array in
 * tests). Spans are written as separate open and close records so a crashed turn can be rebuilt.
 */

/** Attribute values are flat scalars so every attribute is queryable. */
export type AttributeValue = string | number | boolean | null;
export type Attributes = Record<string, AttributeValue>;

export type LogLevel = "debug" | "info" | "warn" | "error";

/** A causal link from one span to another (e.g. a warm probe to the turn it replays). */
export interface SpanLink {
  spanId: string;
  turnId?: string;
  reason?: string;
}

interface RecordBase {
  /** Epoch milliseconds. */
  timestamp: number;
  extensionId: string;
  conversationId?: string;
  turnId?: string;
  spanId?: string;
  parentSpanId?: string;
  attributes?: Attributes;
  /** A large verbatim payload (a prompt, a request body): "store fat, serve thin". */
  body?: string;
}

/** One journal line. */
export type LogRecord =
  | (RecordBase & { kind: "log"; level: LogLevel; msg: string })
  | (RecordBase & { kind: "span-open"; spanId: string; name: string; links?: SpanLink[] })
  | (RecordBase & {
      kind: "span-close";
      spanId: string;
      name: string;
      durationMs: number;
      status: "ok" | "error";
      links?: SpanLink[];
    });

/** Where records go. Contract: `emit` never throws and never blocks for long; a failing sink drops records. */
export interface LogSink {
  emit(record: LogRecord): void;
}

/** Correlation context a child logger adds to each record. */
export interface LogContext {
  extensionId?: string;
  conversationId?: string;
  turnId?: string;
  attributes?: Attributes;
}

/**
 * Attributes of a warning or error: flat scalars, plus `err` (anything thrown), which the logger
 * expands into `error.name`, `error.message` and a stack body. Non-scalar values other than `err`
 * are written as their JSON text.
 */
export interface ErrorAttributes {
  err?: unknown;
  [key: string]: AttributeValue | unknown;
}

/** Structured logger. Contract: no method ever throws. */
export interface Logger {
  debug(msg: string, attributes?: Attributes): void;
  info(msg: string, attributes?: Attributes): void;
  warn(msg: string, attributes?: ErrorAttributes): void;
  error(msg: string, attributes?: ErrorAttributes): void;
  /** A logger whose records carry this context in addition to the parent's. */
  child(context: LogContext): Logger;
  /** Opens a span (writes its `span-open` record now). */
  span(name: string, attributes?: Attributes, body?: string): Span;
}

/** An open span. Contract: `end` writes exactly one `span-close`; later calls are ignored. */
export interface Span {
  readonly id: string;
  /** Logs inside the span (records carry this span's id). */
  readonly logger: Logger;
  setAttributes(attributes: Attributes): void;
  addLink(link: SpanLink): void;
  child(name: string, attributes?: Attributes, body?: string): Span;
  end(result?: { error?: unknown; attributes?: Attributes; body?: string }): void;
}
