/**
 * lsp: language servers for the agent. Servers are spawned lazily per (server, workspace root)
 * over stdio with `vscode-jsonrpc`; each edit_file/write_file gets the diagnostics it caused (and
 * fixed) appended; the `lsp` tool answers diagnostics, hover, definition, references and symbols.
 * @module
 */
export { BUILTIN_SERVERS, type BuiltinServer, findTsserver } from "./builtins.ts";
export type { FileDiagnostics, LspClient, SyncResult } from "./client.ts";
export { type ConfigSource, resolveConfig, type ServerConfig } from "./config.ts";
export { diffDiagnostics, formatDiagnostic } from "./diagnostics.ts";
export type { AfterWriteInput, AfterWriteResult, LspEngine } from "./engine.ts";
export { LspError, type LspErrorCode } from "./errors.ts";
export { createLspExtension, type LspExtensionOptions } from "./extension.ts";
export type { Acquired, BackoffOptions, ClientState, LspManager } from "./manager.ts";
export type { Diagnostic, Location, Position, Range } from "./protocol.ts";
export {
  allowlistedEnv,
  createLspRuntime,
  type LspOptions,
  type LspRuntime,
  type LspRuntimeOptions,
} from "./runtime.ts";
export { type LspService, lspService } from "./service.ts";
export { buildLspStatusSpec, LSP_STATUS_ENTRY } from "./status-surface.ts";
