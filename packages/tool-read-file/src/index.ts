/**
 * tool-read-file: the `read_file` tool and its extension.
 * @module
 */
export { createReadFileExtension, type ReadFileExtensionOptions } from "./extension.ts";
export {
  MAX_DIRECTORY_ENTRIES,
  MAX_LINE_CHARS,
  MAX_OUTPUT_CHARS,
} from "./format.ts";
export {
  createReadFileTool,
  DEFAULT_LIMIT,
  FULL_READ_BYTES,
  MAX_LIMIT,
  type ReadFileToolOptions,
} from "./read-file-tool.ts";
