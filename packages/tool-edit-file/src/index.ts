/**
 * tool-edit-file: the `edit_file` tool and its extension.
 * @module
 */
export { applyEdit, type EditOutcome } from "./apply-edit.ts";
export {
  createEditFileTool,
  type EditFileToolOptions,
  MAX_EDIT_BYTES,
} from "./edit-file-tool.ts";
export type { EditFailureCode } from "./errors.ts";
export { createEditFileExtension, type EditFileExtensionOptions } from "./extension.ts";
