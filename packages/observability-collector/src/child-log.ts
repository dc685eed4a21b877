/**
 * How the collector process reports to the daemon: one JSON line per log record on stderr
 * (`{"level","msg","attributes"}`), which the supervisor parses and re-logs through the daemon's
 * logger, so collector messages land in the daemon's log and journal.
 */
import type { Attributes, LogLevel, LogRecord, LogSink } from "@dispatch/kernel";

/** The line the collector logs once it has done its first poll and handles SIGTERM. */
export const COLLECTOR_READY_MSG = "observability collector running";

/** A collector log line, parsed. */
export interface ChildLogLine {
  level: LogLevel;
  msg: string;
  attributes?: Attributes;
}

const LEVELS = new Set<string>(["debug", "info", "warn", "error"]);

/** A sink writing each `log` record as one JSON line (spans are not reported). Contract: never throws. */
export function createLineSink(write: (line: string) => void): LogSink {
  return {
    emit(record: LogRecord): void {
      if (record.kind !== "log") return;
      try {
        const line: ChildLogLine = { level: record.level, msg: record.msg };
        if (record.attributes) line.attributes = record.attributes;
        write(`${JSON.stringify(line)}\n`);
      } catch {
        // a closed stderr must not break the collector
      }
    },
  };
}

/** The collector log line in `text`, or `undefined` for anything else (a crash trace, plain output). */
export function parseChildLogLine(text: string): ChildLogLine | undefined {
  try {
    const value = JSON.parse(text) as Partial<ChildLogLine> | null;
    if (
      !value ||
      typeof value.msg !== "string" ||
      typeof value.level !== "string" ||
      !LEVELS.has(value.level)
    ) {
      return undefined;
    }
    const line: ChildLogLine = { level: value.level, msg: value.msg };
    if (value.attributes && typeof value.attributes === "object") line.attributes = value.attributes;
    return line;
  } catch {
    return undefined;
  }
}
