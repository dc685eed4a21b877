/**
 * A human-readable `LogSink` for the daemon's stderr (systemd's journal in production): one line
 * per log record at or above the configured level; span records are left to the journal file.
 * The records it writes pass the same redaction as the journal file's; the others are dropped
 * before it (most records are spans and debug logs, some with large bodies).
 */
import { redactRecord } from "@dispatch/journal-sink";
import type { LogLevel, LogRecord, LogSink } from "@dispatch/kernel";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * Writes `time LEVEL [extension] msg key=value…` lines, redacted with `secrets` (contract: cheap,
 * called once per written record).
 */
export function createStderrSink(
  minLevel: LogLevel,
  write: (line: string) => void,
  secrets: () => readonly string[],
): LogSink {
  return {
    emit(original: LogRecord) {
      if (original.kind !== "log" || ORDER[original.level] < ORDER[minLevel]) return;
      try {
        const record = redactRecord(original, secrets()) as typeof original;
        const attrs = Object.entries(record.attributes ?? {})
          .map(([k, v]) => `${k}=${typeof v === "string" && /\s/.test(v) ? JSON.stringify(v) : String(v)}`)
          .join(" ");
        const time = new Date(record.timestamp).toISOString();
        write(
          `${time} ${record.level.toUpperCase()} [${record.extensionId}] ${record.msg}${attrs ? ` ${attrs}` : ""}\n`,
        );
      } catch {
        // a log line must never break the daemon
      }
    },
  };
}

/** Fans records out to several sinks; one failing sink does not stop the others. */
export function teeSink(...sinks: LogSink[]): LogSink {
  return {
    emit(record) {
      for (const sink of sinks) {
        try {
          sink.emit(record);
        } catch {
          // sinks must not throw; if one does, the others still get the record
        }
      }
    },
  };
}
