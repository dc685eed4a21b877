/**
 * Test helpers for tool packages (import from `@dispatch/tool-kit/testing`): a real `ToolContext`
 * with a real `AbortController`, and a logger that collects its records in an array. Nothing here
 * is faked beyond the turn loop that would normally build the context.
 */
import type { Attributes, Logger, Span, ToolContext } from "@dispatch/kernel";

/** One collected log line. */
export interface CollectedLog {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  attributes?: Attributes;
}

/** A logger that appends to `records` (children and spans share the array). */
export interface CollectingLogger extends Logger {
  readonly records: CollectedLog[];
}

/** A logger for tests. */
export function createCollectingLogger(records: CollectedLog[] = []): CollectingLogger {
  const logger: CollectingLogger = {
    records,
    debug: (msg, attributes) =>
      void records.push({ level: "debug", msg, ...(attributes ? { attributes } : {}) }),
    info: (msg, attributes) =>
      void records.push({ level: "info", msg, ...(attributes ? { attributes } : {}) }),
    warn: (msg) => void records.push({ level: "warn", msg }),
    error: (msg) => void records.push({ level: "error", msg }),
    child: () => createCollectingLogger(records),
    span: () => createSpan(records),
  };
  return logger;
}

function createSpan(records: CollectedLog[]): Span {
  return {
    id: crypto.randomUUID(),
    logger: createCollectingLogger(records),
    setAttributes: () => undefined,
    addLink: () => undefined,
    child: () => createSpan(records),
    end: () => undefined,
  };
}

/** A context whose outputs and logs can be inspected. */
export interface TestToolContext extends ToolContext {
  readonly controller: AbortController;
  readonly outputs: { data: string; stream: "stdout" | "stderr" }[];
  readonly logger: CollectingLogger;
}

/** A `ToolContext` for calling `tool.execute` directly. */
export function createTestToolContext(
  overrides: { cwd?: string; conversationId?: string; roots?: readonly string[] } = {},
): TestToolContext {
  const controller = new AbortController();
  const outputs: { data: string; stream: "stdout" | "stderr" }[] = [];
  return {
    toolCallId: `call-${crypto.randomUUID().slice(0, 8)}`,
    conversationId: overrides.conversationId ?? "conv-test",
    turnId: "turn-test",
    stepId: "turn-test#0",
    ...(overrides.cwd !== undefined ? { cwd: overrides.cwd } : {}),
    ...(overrides.roots !== undefined ? { roots: overrides.roots } : {}),
    signal: controller.signal,
    controller,
    outputs,
    onOutput: (data, stream) => void outputs.push({ data, stream }),
    logger: createCollectingLogger(),
  };
}
