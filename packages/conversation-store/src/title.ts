/**
 * The automatic conversation title: the first user text of the conversation, whitespace collapsed,
 * cut to 80 characters (code points, so no emoji is split) with an ellipsis. Pure.
 */
import type { ChatMessage } from "@dispatch/wire";

/** Longest automatic title, ellipsis included. */
export const TITLE_MAX_LENGTH = 80;

/** The title `messages` give a conversation that has none yet; `""` when they hold no user text. */
export function deriveTitle(messages: readonly ChatMessage[]): string {
  for (const message of messages) {
    if (message.role !== "user") continue;
    const text = message.chunks
      .map((chunk) => (chunk.type === "text" ? chunk.text : ""))
      .join(" ")
      .replace(/\s+/g, " ")
      .trim();
    if (text === "") continue;
    const points = Array.from(text);
    return points.length <= TITLE_MAX_LENGTH
      ? text
      : `${points
          .slice(0, TITLE_MAX_LENGTH - 1)
          .join("")
          .trimEnd()}…`;
  }
  return "";
}
