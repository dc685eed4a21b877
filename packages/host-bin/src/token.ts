/**
 * The daemon's bearer token: `DISPATCH_TOKEN` if given, else read from `<data dir>/token`, else
 * generated there on first start with mode 0600 (our own clients read it from the same place).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Returns the token to require, creating the token file when needed. */
export function ensureToken(explicit: string | undefined, tokenPath: string): string {
  if (explicit) return explicit;
  if (existsSync(tokenPath)) {
    const existing = readFileSync(tokenPath, "utf8").trim();
    if (existing !== "") return existing;
  }
  mkdirSync(dirname(tokenPath), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString("base64url");
  writeFileSync(tokenPath, `${token}\n`, { mode: 0o600 });
  chmodSync(tokenPath, 0o600);
  return token;
}
