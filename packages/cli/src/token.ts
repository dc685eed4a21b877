/**
 * Finding the daemon's bearer token without asking: `DISPATCH_TOKEN`, else the token file of the
 * data dir (`DISPATCH_DATA_DIR`, then `~/.local/share/dispatch`), else the installed service's
 * `/var/lib/dispatch/token`. Files that exist but cannot be read are remembered for the message.
 */
import { join } from "node:path";

/** The installed service's token (mode 0640, group `dispatch`). */
export const SERVICE_TOKEN_PATH = "/var/lib/dispatch/token";

/** A token to try, and where it came from. */
export interface TokenCandidate {
  token: string;
  source: string;
}

/** What token discovery found. */
export interface TokenSearch {
  /** Usable tokens, in the order to try them. */
  candidates: TokenCandidate[];
  /** Every place looked at, with what was there. */
  looked: { source: string; outcome: "found" | "missing" | "unreadable" | "empty" }[];
}

/** The data dir a local daemon uses by default (same rule as the daemon's configuration). */
export function defaultDataDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, "dispatch");
  if (env.HOME) return join(env.HOME, ".local", "share", "dispatch");
  return undefined;
}

/** The token files to look at, in order, without duplicates. */
export function tokenPaths(env: Readonly<Record<string, string | undefined>>): string[] {
  const dirs = [env.DISPATCH_DATA_DIR, defaultDataDir(env)].filter((d): d is string => !!d);
  const paths = [...dirs.map((dir) => join(dir, "token")), SERVICE_TOKEN_PATH];
  return [...new Set(paths)];
}

/** Looks for tokens. `DISPATCH_TOKEN`, when set, is the only candidate. */
export async function findTokens(
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => Promise<string>,
): Promise<TokenSearch> {
  if (env.DISPATCH_TOKEN) {
    return {
      candidates: [{ token: env.DISPATCH_TOKEN, source: "DISPATCH_TOKEN" }],
      looked: [{ source: "DISPATCH_TOKEN", outcome: "found" }],
    };
  }
  const search: TokenSearch = { candidates: [], looked: [] };
  for (const path of tokenPaths(env)) {
    try {
      const token = (await readFile(path)).trim();
      if (token === "") {
        search.looked.push({ source: path, outcome: "empty" });
        continue;
      }
      search.looked.push({ source: path, outcome: "found" });
      if (!search.candidates.some((c) => c.token === token)) search.candidates.push({ token, source: path });
    } catch (err) {
      const code = (err as { code?: string }).code;
      const outcome = code === "EACCES" || code === "EPERM" ? "unreadable" : "missing";
      search.looked.push({ source: path, outcome });
    }
  }
  return search;
}

/** What to tell a user whose token was refused or not found. */
export function tokenAdvice(search: TokenSearch, serverMessage?: string): string[] {
  const lines: string[] = [];
  if (serverMessage) lines.push(`The server said: ${serverMessage}`);
  const tried = search.looked.filter((l) => l.outcome !== "missing");
  if (tried.length === 0)
    lines.push(`No token found; looked in ${search.looked.map((l) => l.source).join(", ")}.`);
  for (const entry of tried) {
    if (entry.outcome === "found") lines.push(`Tried the token from ${entry.source}: refused.`);
    if (entry.outcome === "empty") lines.push(`${entry.source} is empty.`);
    if (entry.outcome === "unreadable") {
      lines.push(
        entry.source === SERVICE_TOKEN_PATH
          ? `${entry.source} exists but you cannot read it: add yourself to the dispatch group ` +
              "(sudo usermod -aG dispatch $USER, then log in again), or use sudo."
          : `${entry.source} exists but you cannot read it (check its owner and mode).`,
      );
    }
  }
  lines.push("Set DISPATCH_TOKEN to the token of the daemon you talk to (it is in <data dir>/token).");
  return lines;
}
