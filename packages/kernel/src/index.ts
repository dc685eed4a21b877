/**
 * The kernel: contracts (the ABI), the extension host, the typed bus, the logger and `runTurn`.
 * It touches no I/O and names no concrete feature; its tsconfig has no platform types.
 * @module
 */
export type * from "@dispatch/wire";
export { createBus } from "./bus/bus.ts";
export type {
  Extension,
  ExtensionManifest,
  ExtensionStatus,
  Host,
  HostApi,
  HostOptions,
} from "./contracts/extension.ts";
export { KERNEL_API_VERSION } from "./contracts/extension.ts";
export type { Bus, Dispose, EventHandle, FilterHandle, ServiceHandle } from "./contracts/hooks.ts";
export { defineEvent, defineFilter, defineService } from "./contracts/hooks.ts";
export type {
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
} from "./contracts/logging.ts";
export type { ModelInfo, Provider, ProviderEvent, ProviderRequest } from "./contracts/provider.ts";
export type {
  KeyValueStore,
  Migration,
  SqlDatabase,
  SqlStatement,
  SqlValue,
  Storage,
} from "./contracts/storage.ts";
export { storageService } from "./contracts/storage.ts";
export type { JsonSchema, Tool, ToolContext, ToolResult, ToolSpec } from "./contracts/tool.ts";
export { errorMessage, KernelError, type KernelErrorCode } from "./errors.ts";
export { createHost } from "./host/host.ts";
export { createLogger, type LoggerOptions, nullLogger } from "./logging/logger.ts";
export type { AbortSignalLike, NewId, Now, Sleep } from "./platform.ts";
export { runTurn } from "./turn/run-turn.ts";
export type { RetryPolicy, RunTurnInput, RunTurnResult, StepBoundary } from "./turn/types.ts";
export { DEFAULT_MAX_STEPS } from "./turn/types.ts";
