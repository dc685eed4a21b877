/**
 * The `dispatch` CLI: a client of the daemon's HTTP API (and its chat WebSocket for `attach`).
 * `main.ts` is the executable; these exports let other programs run the CLI with their own `Io`
 * and reuse its pure parts.
 * @module
 */
export { type Command, EFFORT_LEVELS, type GlobalFlags, type Invocation, parseCommandLine } from "./args.ts";
export { DEV_PORT, guessSocketUrl, SERVICE_PORT, type ServerCandidate, serverCandidates } from "./config.ts";
export { type DaemonStatus, parseDaemonStatus } from "./daemon-status.ts";
export { CliError, EXIT, type ExitCode } from "./errors.ts";
export { commandHelp, USAGE_LINES, usageText } from "./help.ts";
export { createHttpClient, type HttpClient, type HttpClientOptions } from "./http.ts";
export type { FileInfo, Io, OpenSocket, OutStream, Socket, SocketHandlers } from "./io.ts";
export { readNdjson } from "./ndjson.ts";
export {
  createStyles,
  formatConversations,
  type Piece,
  relativeTime,
  renderEvent,
  type Styles,
} from "./render.ts";
export { run } from "./run.ts";
export {
  findTokens,
  SERVICE_TOKEN_PATH,
  type TokenCandidate,
  type TokenSearch,
  tokenPaths,
} from "./token.ts";
