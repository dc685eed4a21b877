/**
 * The `tool-write-file` extension: registers `write_file` with the host's containment options, the
 * `file-state` ledger, and the `fileWrittenFilter` chain for per-write diagnostics.
 */
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { type ContainmentOptions, fileStateService, fileWrittenFilter } from "@dispatch/tool-kit";
import { createWriteFileTool } from "./write-file-tool.ts";

/** Options of `createWriteFileExtension`: where the tool may write. */
export type WriteFileExtensionOptions = ContainmentOptions;

/**
 * The extension registering `write_file`. Depends on `file-state`.
 * @example createWriteFileExtension({ deniedRoots: [dataDir] })
 */
export function createWriteFileExtension(options: WriteFileExtensionOptions = {}): Extension {
  return {
    manifest: {
      id: "tool-write-file",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["file-state"],
      description: "write_file: create by default, explicit overwrite, atomic, contained",
    },
    activate(host) {
      host.registerTool(
        createWriteFileTool({
          ...options,
          ledger: host.getService(fileStateService),
          afterWrite: (written) => host.applyFilters(fileWrittenFilter, written),
        }),
      );
    },
  };
}
