/**
 * The checks on the upgrade request, with the HTTP API's semantics and messages: the Host
 * allow-list (DNS rebinding), the Origin allow-list (cross-site WebSocket hijacking), and the token,
 * taken from `Authorization: Bearer`, a `dispatch.token.<token>` subprotocol, or (when neither is
 * sent) a first `auth` message. A token in the URL is refused: URLs end up in logs and histories.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** What the upgrade checks need. */
export interface UpgradePolicy {
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  token: string | undefined;
  tokenHint: string;
}

/** The verdict on an upgrade request. */
export type UpgradeVerdict =
  | { ok: false; status: 400 | 401 | 403; error: string }
  /** `authenticated: false` means a first `auth` message must follow; `protocol` is echoed. */
  | { ok: true; authenticated: boolean; protocol?: string };

/** The subprotocol prefix that carries the token. */
export const TOKEN_PROTOCOL_PREFIX = "dispatch.token.";

const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1", "[::1]"];

/** The host name of a `Host` header, lowercased, without port. */
export function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(0, value.indexOf("]") + 1);
  const colon = value.lastIndexOf(":");
  return colon === -1 ? value : value.slice(0, colon);
}

/** Creates the upgrade check for `policy`. */
export function createUpgradeCheck(policy: UpgradePolicy): (request: Request) => UpgradeVerdict {
  const hosts = new Set([...LOOPBACK_HOSTS, ...policy.allowedHosts.map((h) => h.toLowerCase())]);
  const origins = new Set(policy.allowedOrigins);
  const expected = policy.token === undefined ? undefined : digest(policy.token);
  const how = `Send it as "Authorization: Bearer <token>", as the subprotocol "${TOKEN_PROTOCOL_PREFIX}<token>", or in a first {"type":"auth","token":"…"} message; the token is ${policy.tokenHint}.`;

  return function checkUpgrade(request) {
    const host = request.headers.get("host");
    if (!host || !hosts.has(hostName(host))) {
      return {
        ok: false,
        status: 403,
        error: `Host "${host ?? ""}" is not allowed. Reach the server through localhost, or add the name to DISPATCH_ALLOWED_HOSTS.`,
      };
    }
    const origin = request.headers.get("origin");
    if (origin !== null && !origins.has(origin)) {
      return {
        ok: false,
        status: 403,
        error: `Origin "${origin}" is not allowed. Add it to DISPATCH_ALLOWED_ORIGINS to let that page connect.`,
      };
    }
    const params = new URL(request.url).searchParams;
    if (params.has("token") || params.has("access_token")) {
      return { ok: false, status: 400, error: `Do not put the token in the URL. ${how}` };
    }
    const offered = (request.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    const protocol = offered.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    const presented = bearer ?? protocol?.slice(TOKEN_PROTOCOL_PREFIX.length);
    const echo = protocol === undefined ? {} : { protocol };
    if (expected === undefined) return { ok: true, authenticated: true, ...echo };
    if (presented === undefined) return { ok: true, authenticated: false, ...echo };
    if (!tokenMatches(presented, expected)) return { ok: false, status: 401, error: `Wrong token. ${how}` };
    return { ok: true, authenticated: true, ...echo };
  };
}

/** Checks a token sent in an `auth` message against the policy's. */
export function createTokenCheck(token: string | undefined): (presented: string) => boolean {
  const expected = token === undefined ? undefined : digest(token);
  return (presented) => expected === undefined || tokenMatches(presented, expected);
}

function tokenMatches(presented: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(presented), expected);
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
