/**
 * tool-kit: the library every Dispatch tool builds on. `defineTool` (zod-validated arguments, error
 * results the model can act on), path containment and use-time checks for file tools, atomic
 * writes, output caps, signal helpers, and the `file-state` extension with its typed handles.
 * @module
 */
export {
  type AtomicWriteOptions,
  TEMP_SUFFIX,
  writeFileAtomic,
} from "./atomic-write.ts";
export {
  assertInside,
  type ContainmentOptions,
  type ContainmentScope,
  createScope,
  displayPath,
  isInside,
  kindOf,
  type PathKind,
  type ResolvedPath,
  type ResolveOptions,
  resolveInScope,
  resolveInside,
  withTurnRoots,
} from "./containment.ts";
export { defineTool, parseArguments, type ToolDefinition, toJsonSchema } from "./define-tool.ts";
export {
  deniedPath,
  errnoCode,
  invalidPath,
  ioError,
  noCwd,
  notADirectory,
  notFound,
  outsideRoot,
  pathChanged,
  specialFile,
  symlinkLoop,
  ToolFailure,
  type ToolFailureCode,
} from "./errors.ts";
export {
  type AfterWrite,
  createFileStateExtension,
  createFileStateLedger,
  type FileSnapshot,
  type FileStateLedger,
  type FileStateLedgerOptions,
  type FileWritten,
  type Freshness,
  fileStateService,
  fileWrittenFilter,
  freshness,
  notesAfterWrite,
  sha256,
} from "./file-state.ts";
export {
  capHead,
  capText,
  createOutputCollector,
  DEFAULT_MAX_OUTPUT_CHARS,
  type OutputCollector,
  truncationNote,
} from "./output-cap.ts";
export {
  openAnchoredDirectory,
  openVerified,
  openVerifiedFd,
  openWriteTarget,
  readVerified,
  readVerifiedAt,
  SYNC_IO_MAX_BYTES,
  type VerifiedFd,
  type VerifiedHandle,
  type WriteTarget,
} from "./safe-fs.ts";
export { raceAbort, toAbortSignal, withTimeout } from "./signal.ts";
export { looksBinary, TEXT_SAMPLE_BYTES } from "./text.ts";
