/**
 * A human-readable `LogSink` for the daemon's stderr (systemd's journal in production): one line
 * per log record at or above the configured level; span records are left to the journal file.
 * Records pass the same redaction as the journal file's before they are written.
 */
import { redactRecord } from "@dispatch/journal-sink";
import type { LogLevel, LogRecord, LogSink } from "@dispatch/kernel";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Writes `time LEVEL [extension] msg key=value…` lines. */
export function createStderrSink(minLevel: LogLevel, write: (line: string) => void): LogSink {
  return {
    emit(record: LogRecord) {
      if (record.kind !== "log" || ORDER[record.level] < ORDER[minLevel]) return;
      try {
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

/**
 * `sink` behind redaction: known secret values and credential-shaped text become `[redacted]`.
 * Contract of `secrets`: cheap, called once per record.
 */
export function redactingSink(sink: LogSink, secrets: () => readonly string[]): LogSink {
  return {
    emit(record) {
      sink.emit(redactRecord(record, secrets()));
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
