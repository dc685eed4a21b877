/**
 * Short-id resolution: a conversation id may be given as any unique prefix of a full id (as
 * `dispatch list` prints them). The server does the prefix match (`GET /conversations?q=`).
 */
import type { ConversationListResponse } from "@dispatch/transport-contract";
import { CliError, EXIT } from "./errors.ts";
import type { HttpClient } from "./http.ts";

/** The outcome of matching a prefix against the listed ids. */
export type Match =
  | { kind: "exact"; id: string }
  | { kind: "unique"; id: string }
  | { kind: "none" }
  | { kind: "ambiguous"; ids: string[] };

/** Pure: an exact id wins, then a single prefix match. */
export function matchId(prefix: string, ids: readonly string[]): Match {
  if (ids.includes(prefix)) return { kind: "exact", id: prefix };
  const matches = ids.filter((id) => id.startsWith(prefix));
  const [first] = matches;
  if (first === undefined) return { kind: "none" };
  if (matches.length === 1) return { kind: "unique", id: first };
  return { kind: "ambiguous", ids: matches };
}

async function lookup(client: HttpClient, prefix: string): Promise<Match> {
  const list = await client.json<ConversationListResponse>(
    "GET",
    `/conversations?q=${encodeURIComponent(prefix)}`,
  );
  return matchId(
    prefix,
    list.conversations.map((c) => c.id),
  );
}

/** The full id of an existing conversation. Throws exit 1 when none or several match. */
export async function resolveConversationId(client: HttpClient, prefix: string): Promise<string> {
  const match = await lookup(client, prefix);
  if (match.kind === "exact" || match.kind === "unique") return match.id;
  if (match.kind === "none") {
    throw new CliError(
      EXIT.FAILED,
      `no conversation matches "${prefix}". List them with 'dispatch list --all'.`,
    );
  }
  throw ambiguous(prefix, match.ids);
}

/** Like `resolveConversationId`, but an id matching nothing is returned as is (it starts a new conversation). */
export async function resolveOrNewConversationId(client: HttpClient, prefix: string): Promise<string> {
  const match = await lookup(client, prefix);
  if (match.kind === "exact" || match.kind === "unique") return match.id;
  if (match.kind === "none") return prefix;
  throw ambiguous(prefix, match.ids);
}

function ambiguous(prefix: string, ids: readonly string[]): CliError {
  const shown = ids.slice(0, 5).join(", ");
  const more = ids.length > 5 ? ` and ${ids.length - 5} more` : "";
  return new CliError(
    EXIT.FAILED,
    `"${prefix}" is ambiguous: it matches ${shown}${more}. Give more characters.`,
  );
}
