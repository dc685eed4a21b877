/**
 * The request guards every route sits behind: Host allow-list (DNS rebinding), Origin allow-list
 * (cross-site requests), CORS for allowed origins only, the bearer token, JSON-only bodies on
 * POST/PUT (a cross-site `text/plain` form post must not start a turn) and a body size limit.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";

/** What the guards allow. */
export interface SecurityOptions {
  /** Host names accepted in the `Host` header besides loopback names. */
  allowedHosts: readonly string[];
  /** Browser origins allowed to call the API (exact `scheme://host[:port]`). */
  allowedOrigins: readonly string[];
  /** Required as `Authorization: Bearer <token>` on every route but `/health`; `undefined` turns auth off. */
  token: string | undefined;
  /** Where the token lives, for the 401 message. */
  tokenHint: string;
  maxBodyBytes: number;
}

const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1", "[::1]"];

/** The host name of a `Host` header, lowercased, without port. */
export function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(0, value.indexOf("]") + 1);
  const colon = value.lastIndexOf(":");
  return colon === -1 ? value : value.slice(0, colon);
}

/** Refuses requests whose `Host` is not an allowed name (403). */
export function hostGuard(allowedHosts: readonly string[]): MiddlewareHandler {
  const allowed = new Set([...LOOPBACK_HOSTS, ...allowedHosts.map((h) => h.toLowerCase())]);
  return async function hostGuardMiddleware(c, next) {
    const header = c.req.header("host");
    if (!header || !allowed.has(hostName(header))) {
      return c.json(
        {
          error: `Host "${header ?? ""}" is not allowed. Reach the server through localhost, or add the name to DISPATCH_ALLOWED_HOSTS.`,
        },
        403,
      );
    }
    await next();
  };
}

/** Refuses browser requests from origins not on the list (403) and answers CORS for the allowed ones. */
export function originGuard(allowedOrigins: readonly string[]): MiddlewareHandler[] {
  const allowed = new Set(allowedOrigins);
  const guard: MiddlewareHandler = async function originGuardMiddleware(c, next) {
    const origin = c.req.header("origin");
    if (origin !== undefined && !allowed.has(origin)) {
      return c.json(
        {
          error: `Origin "${origin}" is not allowed. Add it to DISPATCH_ALLOWED_ORIGINS to let that page use the API.`,
        },
        403,
      );
    }
    await next();
  };
  const corsHeaders = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    allowHeaders: ["Content-Type", "Authorization"],
    exposeHeaders: ["X-Conversation-Id"],
    maxAge: 600,
  });
  return [guard, corsHeaders];
}

/** Requires the bearer token (401) on every route but `/health`. */
export function tokenGuard(token: string | undefined, tokenHint: string): MiddlewareHandler {
  const expected = token === undefined ? undefined : digest(token);
  return async function tokenGuardMiddleware(c, next) {
    if (expected === undefined || c.req.path === "/health") return next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      return c.json(
        {
          error: `Missing or wrong token. Send "Authorization: Bearer <token>"; the token is ${tokenHint}.`,
        },
        401,
      );
    }
    await next();
  };
}

/** Requires `application/json` on POST and PUT requests that carry a body (415). */
export function jsonOnly(): MiddlewareHandler {
  return async function jsonOnlyMiddleware(c, next) {
    const method = c.req.method;
    if (method === "POST" || method === "PUT") {
      const length = c.req.header("content-length");
      const hasBody =
        c.req.header("transfer-encoding") !== undefined || (length !== undefined && length !== "0");
      const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
      if (hasBody && type !== "application/json") {
        return c.json(
          { error: `Send JSON: set "Content-Type: application/json" (got "${type || "none"}").` },
          415,
        );
      }
    }
    await next();
  };
}

/** Refuses bodies over the limit (413). */
export function sizeLimit(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => c.json({ error: `Request body too large: the limit is ${maxBytes} bytes.` }, 413),
  });
}

/** All guards, in the order they must run. */
export function securityMiddleware(options: SecurityOptions): MiddlewareHandler[] {
  return [
    hostGuard(options.allowedHosts),
    ...originGuard(options.allowedOrigins),
    tokenGuard(options.token, options.tokenHint),
    jsonOnly(),
    sizeLimit(options.maxBodyBytes),
  ];
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
