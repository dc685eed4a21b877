/**
 * The `tool-read-file` extension: registers `read_file` with the containment options the host
 * gives it and the `file-state` ledger it depends on.
 */
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { type ContainmentOptions, fileStateService } from "@dispatch/tool-kit";
import { createReadFileTool } from "./read-file-tool.ts";

/** Options of `createReadFileExtension`: where the tool may read. */
export type ReadFileExtensionOptions = ContainmentOptions;

/**
 * The extension registering `read_file`. Depends on `file-state`.
 * @example createReadFileExtension({ deniedRoots: [dataDir] })
 */
export function createReadFileExtension(options: ReadFileExtensionOptions = {}): Extension {
  return {
    manifest: {
      id: "tool-read-file",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["file-state"],
      description: "read_file: numbered lines, directory listings, binary detection, contained paths",
    },
    activate(host) {
      host.registerTool(createReadFileTool({ ...options, ledger: host.getService(fileStateService) }));
    },
  };
}
