/**
 * tool-write-file: the `write_file` tool and its extension.
 * @module
 */
export { createWriteFileExtension, type WriteFileExtensionOptions } from "./extension.ts";
export { createWriteFileTool, type WriteFileToolOptions } from "./write-file-tool.ts";
