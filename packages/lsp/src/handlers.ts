/**
 * The server→client requests and notifications a client answers: dynamic file-watcher
 * (un)registration, `workspace/configuration` from the server's `settings`, workspace folders,
 * progress tokens, and pushed diagnostics into the document store. Edits are never applied.
 */
import { basename } from "node:path";
import type { MessageConnection } from "vscode-jsonrpc/node";
import type { ServerConfig } from "./config.ts";
import type { DocumentStore } from "./documents.ts";
import { toUri } from "./paths.ts";
import {
  ApplyEditRequest,
  ConfigurationRequest,
  DidChangeWatchedFilesNotification,
  type FileSystemWatcher,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShowMessageRequest,
  UnregistrationRequest,
  WorkDoneProgressCreateRequest,
  WorkspaceFoldersRequest,
} from "./protocol.ts";
import type { WatchedFiles } from "./watched-files.ts";

/** What the handlers act on. */
export interface HandlerContext {
  server: ServerConfig;
  root: string;
  watched: WatchedFiles;
  documents: DocumentStore;
}

/** Installs the handlers on `connection` (before `listen`). */
export function registerHandlers(connection: MessageConnection, context: HandlerContext): void {
  const { watched, documents, root } = context;
  connection.onRequest(RegistrationRequest, ({ registrations }) => {
    for (const registration of registrations) {
      if (registration.method !== DidChangeWatchedFilesNotification.method) continue;
      const watchers = (registration.registerOptions as { watchers?: FileSystemWatcher[] } | undefined)
        ?.watchers;
      watched.register(registration.id, Array.isArray(watchers) ? watchers : []);
    }
    return null;
  });
  connection.onRequest(UnregistrationRequest, ({ unregisterations }) => {
    for (const { id } of unregisterations ?? []) watched.unregister(id);
    return null;
  });
  connection.onRequest(ConfigurationRequest, ({ items }) =>
    items.map((item) => lookupSetting(context.server.settings, item.section)),
  );
  connection.onRequest(WorkspaceFoldersRequest, () => [{ uri: toUri(root), name: basename(root) }]);
  connection.onRequest(WorkDoneProgressCreateRequest, () => null);
  connection.onRequest(ShowMessageRequest, () => null);
  connection.onRequest(ApplyEditRequest, () => ({
    applied: false,
    failureReason: "edits are made by the agent's tools",
  }));
  connection.onNotification(PublishDiagnosticsNotification, ({ uri, diagnostics }) => {
    if (typeof uri === "string" && Array.isArray(diagnostics)) documents.publish(uri, diagnostics);
  });
}

function lookupSetting(settings: Record<string, unknown> | undefined, section: string | undefined): unknown {
  if (settings === undefined) return null;
  if (section === undefined || section === "") return settings;
  let value: unknown = settings;
  for (const key of section.split(".")) {
    if (typeof value !== "object" || value === null) return null;
    value = (value as Record<string, unknown>)[key];
  }
  return value ?? null;
}
