/**
 * The slice of the Language Server Protocol (3.17) this package speaks, as plain types plus typed
 * `vscode-jsonrpc` request and notification handles. Only the fields we read or send are declared;
 * servers may send more. Positions are 0-based and count UTF-16 code units, like JS strings.
 */
import { NotificationType, NotificationType0, RequestType, RequestType0 } from "vscode-jsonrpc/node";

/** A 0-based position. */
export interface Position {
  line: number;
  character: number;
}

/** A half-open range. */
export interface Range {
  start: Position;
  end: Position;
}

/** A range in a document. */
export interface Location {
  uri: string;
  range: Range;
}

/** A definition link (servers that support `linkSupport` may answer with these). */
export interface LocationLink {
  targetUri: string;
  targetRange: Range;
  targetSelectionRange: Range;
}

/** 1 error, 2 warning, 3 information, 4 hint. */
export type DiagnosticSeverity = 1 | 2 | 3 | 4;

/** One problem a server reports. */
export interface Diagnostic {
  range: Range;
  severity?: DiagnosticSeverity;
  code?: number | string;
  source?: string;
  message: string;
}

/** `textDocument/publishDiagnostics` params (push). */
export interface PublishDiagnosticsParams {
  uri: string;
  version?: number;
  diagnostics: Diagnostic[];
}

/** `textDocument/diagnostic` result (pull). Only the `full` kind carries items. */
export type DocumentDiagnosticReport =
  | { kind: "full"; resultId?: string; items: Diagnostic[] }
  | { kind: "unchanged"; resultId: string };

/** Hover contents in any of the three historical shapes. */
export type MarkedString = string | { language: string; value: string };
export interface Hover {
  contents: MarkedString | MarkedString[] | { kind: string; value: string };
  range?: Range;
}

/** A hierarchical symbol (`textDocument/documentSymbol`). */
export interface DocumentSymbol {
  name: string;
  detail?: string;
  kind: number;
  range: Range;
  selectionRange: Range;
  children?: DocumentSymbol[];
}

/** A flat symbol (`workspace/symbol`, older `documentSymbol` servers). `location.range` may be absent. */
export interface SymbolInformation {
  name: string;
  kind: number;
  containerName?: string;
  location: { uri: string; range?: Range };
}

/** A file watcher a server registers dynamically. `kind` is a bit set: 1 create, 2 change, 4 delete. */
export interface FileSystemWatcher {
  globPattern: string | { baseUri: string | { uri: string; name?: string }; pattern: string };
  kind?: number;
}

/** One change sent in `workspace/didChangeWatchedFiles`: type 1 created, 2 changed, 3 deleted. */
export interface FileEvent {
  uri: string;
  type: 1 | 2 | 3;
}

/** One dynamic registration. */
export interface Registration {
  id: string;
  method: string;
  registerOptions?: unknown;
}

/** The server capabilities we look at. */
export interface ServerCapabilities {
  textDocumentSync?:
    | number
    | { openClose?: boolean; change?: number; save?: boolean | { includeText?: boolean } };
  hoverProvider?: unknown;
  definitionProvider?: unknown;
  referencesProvider?: unknown;
  documentSymbolProvider?: unknown;
  workspaceSymbolProvider?: unknown;
  diagnosticProvider?: unknown;
}

/** `initialize` result. */
export interface InitializeResult {
  capabilities: ServerCapabilities;
  serverInfo?: { name: string; version?: string };
}

/** `initialize` params (what we send). */
export interface InitializeParams {
  processId: number;
  clientInfo: { name: string; version: string };
  rootUri: string;
  rootPath: string;
  workspaceFolders: { uri: string; name: string }[];
  capabilities: Record<string, unknown>;
  initializationOptions?: unknown;
}

/** `textDocument/*` requests at a position. */
export interface TextDocumentPositionParams {
  textDocument: { uri: string };
  position: Position;
}

export const InitializeRequest = new RequestType<InitializeParams, InitializeResult, unknown>("initialize");
export const InitializedNotification = new NotificationType<Record<string, never>>("initialized");
export const ShutdownRequest = new RequestType0<null, unknown>("shutdown");
export const ExitNotification = new NotificationType0("exit");
export const DidChangeConfigurationNotification = new NotificationType<{ settings: unknown }>(
  "workspace/didChangeConfiguration",
);
export const DidOpenNotification = new NotificationType<{
  textDocument: { uri: string; languageId: string; version: number; text: string };
}>("textDocument/didOpen");
export const DidChangeNotification = new NotificationType<{
  textDocument: { uri: string; version: number };
  contentChanges: { text: string }[];
}>("textDocument/didChange");
export const DidSaveNotification = new NotificationType<{ textDocument: { uri: string }; text?: string }>(
  "textDocument/didSave",
);
export const DidCloseNotification = new NotificationType<{ textDocument: { uri: string } }>(
  "textDocument/didClose",
);
export const DidChangeWatchedFilesNotification = new NotificationType<{ changes: FileEvent[] }>(
  "workspace/didChangeWatchedFiles",
);
export const PublishDiagnosticsNotification = new NotificationType<PublishDiagnosticsParams>(
  "textDocument/publishDiagnostics",
);
export const DocumentDiagnosticRequest = new RequestType<
  { textDocument: { uri: string } },
  DocumentDiagnosticReport,
  unknown
>("textDocument/diagnostic");
export const HoverRequest = new RequestType<TextDocumentPositionParams, Hover | null, unknown>(
  "textDocument/hover",
);
export const DefinitionRequest = new RequestType<
  TextDocumentPositionParams,
  Location | Location[] | LocationLink[] | null,
  unknown
>("textDocument/definition");
export const ReferencesRequest = new RequestType<
  TextDocumentPositionParams & { context: { includeDeclaration: boolean } },
  Location[] | null,
  unknown
>("textDocument/references");
export const DocumentSymbolRequest = new RequestType<
  { textDocument: { uri: string } },
  DocumentSymbol[] | SymbolInformation[] | null,
  unknown
>("textDocument/documentSymbol");
export const WorkspaceSymbolRequest = new RequestType<{ query: string }, SymbolInformation[] | null, unknown>(
  "workspace/symbol",
);
export const RegistrationRequest = new RequestType<{ registrations: Registration[] }, null, unknown>(
  "client/registerCapability",
);
export const UnregistrationRequest = new RequestType<
  { unregisterations: { id: string; method: string }[] },
  null,
  unknown
>("client/unregisterCapability");
export const ConfigurationRequest = new RequestType<{ items: { section?: string }[] }, unknown[], unknown>(
  "workspace/configuration",
);
export const WorkspaceFoldersRequest = new RequestType0<{ uri: string; name: string }[], unknown>(
  "workspace/workspaceFolders",
);
export const WorkDoneProgressCreateRequest = new RequestType<{ token: string | number }, null, unknown>(
  "window/workDoneProgress/create",
);
export const ShowMessageRequest = new RequestType<unknown, null, unknown>("window/showMessageRequest");
export const ApplyEditRequest = new RequestType<
  unknown,
  { applied: boolean; failureReason?: string },
  unknown
>("workspace/applyEdit");

/** What we tell servers we support. Dynamic watcher registration with relative patterns is the point. */
export const CLIENT_CAPABILITIES: Record<string, unknown> = {
  workspace: {
    configuration: true,
    workspaceFolders: true,
    didChangeConfiguration: { dynamicRegistration: false },
    didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
    symbol: { dynamicRegistration: false },
  },
  textDocument: {
    synchronization: { dynamicRegistration: false, didSave: true, willSave: false },
    publishDiagnostics: { relatedInformation: false, versionSupport: true },
    diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
    hover: { contentFormat: ["markdown", "plaintext"] },
    definition: { linkSupport: true },
    references: {},
    documentSymbol: { hierarchicalDocumentSymbolSupport: true },
  },
  window: { workDoneProgress: true },
  general: { positionEncodings: ["utf-16"] },
};
