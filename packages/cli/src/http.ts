/**
 * The HTTP client of the daemon's API: tries each candidate server until one accepts connections,
 * tries each found token until one is accepted, and turns every failure into a `CliError` with the
 * right exit code and a message that says what to do.
 */
import type { ErrorResponse } from "@dispatch/transport-contract";
import { SERVICE_PORT, type ServerCandidate } from "./config.ts";
import { CliError, EXIT, errorMessage } from "./errors.ts";
import { type TokenSearch, tokenAdvice } from "./token.ts";

/** Options of `createHttpClient`. */
export interface HttpClientOptions {
  servers: readonly ServerCandidate[];
  tokens: TokenSearch;
  fetch: typeof fetch;
}

/** One request. */
export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Fails with "unreachable" if no answer came within this time. */
  timeoutMs?: number;
}

/** The daemon's API. */
export interface HttpClient {
  /** The server in use (the first candidate until one answered). */
  baseUrl(): string;
  /** Where the token in use came from, if any. */
  tokenSource(): string | undefined;
  /** The token in use, if any. */
  token(): string | undefined;
  /** Sends a request; resolves with any response but 401 (tried with every token) and connection failures. */
  send(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** Sends a request and parses a 2xx JSON body; any other status becomes a `CliError`. */
  json<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
}

/** Creates the client. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { servers, tokens } = options;
  let serverIndex = 0;
  let serverConfirmed = false;
  let tokenIndex = 0;
  const current = () => servers[serverIndex] ?? servers[0];

  async function attempt(method: string, path: string, request: RequestOptions): Promise<Response> {
    for (;;) {
      const server = current();
      if (!server) throw new CliError(EXIT.USAGE, "no server to talk to.");
      const headers: Record<string, string> = { accept: "application/json, application/x-ndjson" };
      const token = tokens.candidates[tokenIndex]?.token;
      if (token) headers.authorization = `Bearer ${token}`;
      if (request.body !== undefined) headers["content-type"] = "application/json";
      const signals = [
        request.signal,
        request.timeoutMs ? AbortSignal.timeout(request.timeoutMs) : undefined,
      ];
      const active = signals.filter((s): s is AbortSignal => s !== undefined);
      try {
        const response = await options.fetch(`${server.url}${path}`, {
          method,
          headers,
          ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
          ...(active.length > 0 ? { signal: AbortSignal.any(active) } : {}),
        });
        serverConfirmed = true;
        return response;
      } catch (err) {
        if (request.signal?.aborted) throw err;
        if (!serverConfirmed && serverIndex < servers.length - 1) {
          serverIndex++;
          continue;
        }
        throw unreachable(servers, serverConfirmed ? [server] : servers, err);
      }
    }
  }

  async function send(method: string, path: string, request: RequestOptions = {}): Promise<Response> {
    for (;;) {
      const response = await attempt(method, path, request);
      if (response.status !== 401) return response;
      if (tokenIndex < tokens.candidates.length - 1) {
        tokenIndex++;
        continue;
      }
      const body = await readError(response);
      throw new CliError(
        EXIT.AUTH,
        `the server at ${current()?.url} refused the token (401).`,
        tokenAdvice(tokens, body),
      );
    }
  }

  return {
    baseUrl: () => current()?.url ?? "",
    tokenSource: () => tokens.candidates[tokenIndex]?.source,
    token: () => tokens.candidates[tokenIndex]?.token,
    send,
    async json<T>(method: string, path: string, request: RequestOptions = {}): Promise<T> {
      const response = await send(method, path, request);
      if (!response.ok) throw await responseError(response, method, path);
      return (await parseJson(response, current()?.url ?? "")) as T;
    },
  };
}

/** The `CliError` for a non-2xx response (401 is handled by the client). */
export async function responseError(response: Response, method: string, path: string): Promise<CliError> {
  const message = (await readError(response)) ?? `HTTP ${response.status}`;
  const status = response.status;
  if (status === 400) return new CliError(EXIT.USAGE, `the server refused the request: ${message}`);
  if (status === 403) return new CliError(EXIT.AUTH, `the server refused the request (403): ${message}`);
  if (status === 404 && message.startsWith("No route")) {
    return new CliError(
      EXIT.FAILED,
      `this server does not support ${method} ${path.split("?")[0]} yet (404). Update the daemon to use this command.`,
    );
  }
  if (status >= 500) return new CliError(EXIT.FAILED, `the server failed (${status}): ${message}`);
  return new CliError(EXIT.FAILED, message);
}

async function readError(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as Partial<ErrorResponse>;
    return typeof body.error === "string" ? body.error : undefined;
  } catch {
    return undefined;
  }
}

async function parseJson(response: Response, url: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(
      EXIT.UNREACHABLE,
      `${url} answered with something that is not JSON: is it a Dispatch server? Check --server / DISPATCH_SERVER.`,
    );
  }
}

/** The "unreachable" error: which URLs were tried and how to start the daemon. */
function unreachable(
  all: readonly ServerCandidate[],
  tried: readonly ServerCandidate[],
  err: unknown,
): CliError {
  const urls = tried.map((s) => `${s.url} (${s.source})`).join(", then ");
  const reason = describeNetworkError(err);
  const service = all.some((s) => s.url.endsWith(`:${SERVICE_PORT}`));
  return new CliError(EXIT.UNREACHABLE, `cannot reach the Dispatch server at ${urls}: ${reason}`, [
    "Is the daemon running? Start it with `npm start` in the repository,",
    `or check the installed service with \`systemctl status dispatch\`${service ? "" : " (it listens on :24991)"}.`,
    "Point the CLI elsewhere with --server <url> or DISPATCH_SERVER.",
  ]);
}

/** A short reason for a failed connection, ending with a period. */
function describeNetworkError(err: unknown): string {
  const code = (err as { code?: string }).code;
  const name = err instanceof Error ? err.name : "";
  if (name === "TimeoutError") return "no answer in time.";
  if (code === "ECONNREFUSED" || code === "ConnectionRefused") return "connection refused.";
  if (code === "ENOTFOUND") return "unknown host name.";
  const message = errorMessage(err);
  return /[.?!]$/.test(message) ? message : `${message}.`;
}
