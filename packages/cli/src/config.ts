/**
 * Where the daemon is: `--server`, else `DISPATCH_SERVER`, else `BACKEND_PORT` on loopback, else
 * the dev port 24203 and then the installed service's 24991. Pure functions of flags and env.
 */
import { usageError } from "./errors.ts";

/** Default HTTP port of a dev daemon (`npm start`). */
export const DEV_PORT = 24203;
/** HTTP port of the installed service (`systemd/dispatch.env`). */
export const SERVICE_PORT = 24991;
/** The surface WebSocket port that goes with each known HTTP port. */
const WS_PORT_FOR: Record<number, number> = { [DEV_PORT]: 24205, [SERVICE_PORT]: 24990 };

/** One URL to try, and where it came from (for messages). */
export interface ServerCandidate {
  url: string;
  source: string;
}

/**
 * The servers to try, in order; the next is tried only when the previous refuses connections.
 * Throws a usage error for a malformed URL or port.
 */
export function serverCandidates(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ServerCandidate[] {
  if (flag !== undefined) return [{ url: checkUrl(flag, "--server"), source: "--server" }];
  if (env.DISPATCH_SERVER)
    return [{ url: checkUrl(env.DISPATCH_SERVER, "DISPATCH_SERVER"), source: "DISPATCH_SERVER" }];
  if (env.BACKEND_PORT) {
    const port = env.BACKEND_PORT;
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      throw usageError(`BACKEND_PORT must be a port number 1-65535 (got "${port}").`);
    }
    return [{ url: `http://127.0.0.1:${port}`, source: "BACKEND_PORT" }];
  }
  return [
    { url: `http://127.0.0.1:${DEV_PORT}`, source: "default (dev daemon)" },
    { url: `http://127.0.0.1:${SERVICE_PORT}`, source: "default (installed service)" },
  ];
}

/** The surface WebSocket URL to try when the daemon does not say: `SURFACE_WS_PORT`, else the port paired with the HTTP port. */
export function guessSocketUrl(serverUrl: string, env: Readonly<Record<string, string | undefined>>): string {
  const url = new URL(serverUrl);
  const httpPort = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const envPort =
    env.SURFACE_WS_PORT && /^\d+$/.test(env.SURFACE_WS_PORT) ? Number(env.SURFACE_WS_PORT) : undefined;
  const port = envPort ?? WS_PORT_FOR[httpPort] ?? 24205;
  return `${url.protocol === "https:" ? "wss" : "ws"}://${url.hostname}:${port}`;
}

function checkUrl(value: string, what: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw usageError(`${what} must be an http(s) URL such as http://127.0.0.1:24203 (got "${value}").`);
  }
  return value.replace(/\/+$/, "");
}
