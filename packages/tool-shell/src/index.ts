/**
 * tool-shell: the `run_shell` tool, its process-tree isolation, and its extension.
 * @module
 */
export { childEnvironment, SECRET_NAME_PATTERN } from "./environment.ts";
export { createShellExtension, type ShellExtensionOptions } from "./extension.ts";
export { createIsolationProbe, type Isolation, probeIsolation } from "./isolation.ts";
export { type RunCommandOptions, type RunCommandResult, runCommand } from "./run-command.ts";
export {
  createShellTool,
  DEFAULT_TIMEOUT_MS,
  formatResult,
  MAX_LIVE_CHARS,
  MAX_TIMEOUT_MS,
  type ShellToolOptions,
} from "./shell-tool.ts";
