/**
 * Everything the CLI needs from the outside world, injected: `main.ts` builds the real one from
 * the process, tests can build their own. No other file touches the process, files or network.
 */

/** An output stream: stdout or stderr. */
export interface OutStream {
  write(text: string): void;
  /** True when a human is watching (color and the waiting indicator are on only then). */
  readonly isTTY: boolean;
  /** Terminal width, when known. */
  readonly columns?: number;
}

/** File metadata the doctor looks at. */
export interface FileInfo {
  mode: number;
  uid: number;
  gid: number;
  isDirectory: boolean;
}

/** Callbacks of one WebSocket connection. Contract: after `onClose` or `onRejected`, nothing else fires. */
export interface SocketHandlers {
  onOpen(): void;
  onMessage(text: string): void;
  onClose(code: number, reason: string): void;
  /** A transport error (refused, reset); `onClose` follows. */
  onError(message: string): void;
  /** The server answered the upgrade with an HTTP status instead of switching protocols. */
  onRejected(status: number): void;
}

/** An open (or opening) WebSocket. */
export interface Socket {
  send(text: string): void;
  close(): void;
}

/** Opens a WebSocket with extra request headers (the bearer token). Contract: never throws; failures reach the handlers. */
export type OpenSocket = (url: string, headers: Record<string, string>, handlers: SocketHandlers) => Socket;

/** The injected world. */
export interface Io {
  /** Arguments after the program name. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly stdinIsTTY: boolean;
  /** Reads all of stdin as text. */
  readStdin(): Promise<string>;
  /** Reads a file as UTF-8. Contract: rejects with the system error (its `code`, e.g. `ENOENT`, `EACCES`). */
  readFile(path: string): Promise<string>;
  /** Metadata of a path, or `undefined` when it does not exist or cannot be seen. */
  statFile(path: string): Promise<FileInfo | undefined>;
  /** Free bytes on the file system holding `path`, or `undefined` when unknown. */
  freeBytes(path: string): Promise<number | undefined>;
  fetch: typeof fetch;
  openSocket: OpenSocket;
  now(): number;
  /** Runs `handler` on Ctrl-C (SIGINT) instead of dying; returns a function restoring the default. */
  onInterrupt(handler: () => void): () => void;
  /** Calls `tick` every `ms` until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
}
