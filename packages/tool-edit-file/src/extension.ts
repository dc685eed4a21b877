/**
 * The `tool-edit-file` extension: registers `edit_file` with the host's containment options, the
 * `file-state` ledger, and the `fileWrittenFilter` chain for per-edit diagnostics.
 */
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { type ContainmentOptions, fileStateService, fileWrittenFilter } from "@dispatch/tool-kit";
import { createEditFileTool } from "./edit-file-tool.ts";

/** Options of `createEditFileExtension`: where the tool may write. */
export type EditFileExtensionOptions = ContainmentOptions;

/**
 * The extension registering `edit_file`. Depends on `file-state`.
 * @example createEditFileExtension({ deniedRoots: [dataDir] })
 */
export function createEditFileExtension(options: EditFileExtensionOptions = {}): Extension {
  return {
    manifest: {
      id: "tool-edit-file",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["file-state"],
      description:
        "edit_file: exact-string edits, stale-read guard, atomic writes, per-edit diagnostics hook",
    },
    activate(host) {
      host.registerTool(
        createEditFileTool({
          ...options,
          ledger: host.getService(fileStateService),
          afterWrite: (written) => host.applyFilters(fileWrittenFilter, written),
        }),
      );
    },
  };
}
