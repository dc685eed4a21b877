/**
 * The logger that discards everything: the default where nobody listens, and what the logger and
 * the guard fall back to. Its spans still work (they can be ended, nested and logged through).
 */
import type { Logger, Span } from "../contracts/logging.ts";

const ignore = (): void => undefined;

/** Discards every record; spans still work (with an empty id). */
export const nullLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => nullLogger,
  span: () => nullSpan,
};

const nullSpan: Span = {
  id: "",
  logger: nullLogger,
  setAttributes: ignore,
  addLink: ignore,
  child: () => nullSpan,
  end: ignore,
};
