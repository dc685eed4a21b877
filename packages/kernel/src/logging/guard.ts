/**
 * A wrapper that makes any `Logger` safe to call: a throwing method is swallowed and a throwing
 * `child`/`span` falls back to the null logger. The turn loop and the bus log through it, so a
 * faulty logger handed in from outside can never break a turn or a hook runner.
 */
import type { Logger, Span } from "../contracts/logging.ts";
import { nullLogger } from "./null-logger.ts";

/** `logger` with every method guarded; records pass through unchanged. */
export function guardLogger(logger: Logger): Logger {
  return {
    debug: (msg, attributes) => attempt(() => logger.debug(msg, attributes)),
    info: (msg, attributes) => attempt(() => logger.info(msg, attributes)),
    warn: (msg, attributes) => attempt(() => logger.warn(msg, attributes)),
    error: (msg, attributes) => attempt(() => logger.error(msg, attributes)),
    child: (context) => guardLogger(attemptOr(() => logger.child(context), nullLogger)),
    span: (name, attributes, body) =>
      guardSpan(attemptOr(() => logger.span(name, attributes, body), nullLogger.span(name))),
  };
}

function guardSpan(span: Span): Span {
  return {
    id: attemptOr(() => span.id, ""),
    logger: guardLogger(attemptOr(() => span.logger, nullLogger)),
    setAttributes: (attributes) => attempt(() => span.setAttributes(attributes)),
    addLink: (link) => attempt(() => span.addLink(link)),
    child: (name, attributes, body) =>
      guardSpan(attemptOr(() => span.child(name, attributes, body), nullLogger.span(name))),
    end: (result) => attempt(() => span.end(result)),
  };
}

function attempt(fn: () => void): void {
  try {
    fn();
  } catch {
    // A faulty logger loses its record; the caller goes on.
  }
}

function attemptOr<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
