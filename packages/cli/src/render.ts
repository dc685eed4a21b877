/**
 * Pure rendering of the human output (the reference's format): agent events as text pieces for
 * stdout or stderr, the conversation table, relative times. Colors come from `Styles`, which are
 * identity functions when color is off.
 */
import type { AgentEvent, ConversationMeta } from "@dispatch/transport-contract";

/** Text decorations; all identity when color is off. */
export interface Styles {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

/** ANSI styles, or plain ones when `enabled` is false. */
export function createStyles(enabled: boolean): Styles {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled && text !== "" ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** A piece of output. */
export interface Piece {
  stream: "stdout" | "stderr";
  text: string;
}

/** How events are shown. */
export interface RenderOptions {
  styles: Styles;
  showReasoning: boolean;
  /** Show `user-message` (attach) or not (the user just typed it). */
  showUserMessage: boolean;
  /** Shorten long tool results (on a terminal). */
  truncateResults: boolean;
}

/** What the renderer remembers between events. */
export interface RenderState {
  /** Stdout's last character was a newline (or nothing was written). */
  atLineStart: boolean;
  inReasoning: boolean;
}

/** A fresh state. */
export function initialRenderState(): RenderState {
  return { atLineStart: true, inReasoning: false };
}

const QUIET_REASONS = new Set(["stop", "tool-calls"]);

/** The output of one event; updates `state`. */
export function renderEvent(event: AgentEvent, state: RenderState, options: RenderOptions): Piece[] {
  const { styles } = options;
  const pieces: Piece[] = [];
  const out = (text: string) => {
    if (text === "") return;
    pieces.push({ stream: "stdout", text });
    state.atLineStart = text.endsWith("\n");
  };
  const line = (text: string, stream: Piece["stream"] = "stdout") => {
    if (!state.atLineStart) out("\n");
    state.inReasoning = false;
    if (stream === "stdout") out(`${text}\n`);
    else pieces.push({ stream, text: `${text}\n` });
  };
  switch (event.type) {
    case "user-message":
      if (options.showUserMessage) line(styles.bold(event.text.replace(/^/gm, "> ")));
      break;
    case "reasoning-delta":
      if (!options.showReasoning) break;
      state.inReasoning = true;
      out(styles.dim(event.delta));
      break;
    case "text-delta":
      if (state.inReasoning) line("");
      out(event.delta);
      break;
    case "tool-call":
      line(`${styles.cyan("[tool]")} ${event.toolName} ${JSON.stringify(event.input)}`);
      break;
    case "tool-output":
      if (event.stream === "stderr") pieces.push({ stream: "stderr", text: event.data });
      else out(styles.dim(event.data));
      break;
    case "tool-result": {
      const label = styles.cyan(`[tool:${event.toolName}]`);
      const content = options.truncateResults ? truncate(event.content) : event.content;
      line(`${label}${event.isError ? ` ${styles.red("ERROR")}` : ""} ${content}`);
      break;
    }
    case "usage":
      line(styles.dim(`[usage] in=${event.usage.inputTokens} out=${event.usage.outputTokens}`));
      break;
    case "steering":
      line(`${styles.yellow("[steering]")} ${event.text}`);
      break;
    case "error":
      line(styles.red(`[error] ${event.message}`), "stderr");
      break;
    case "provider-retry":
      line(
        styles.yellow(
          `[retry] attempt ${event.attempt + 1} in ${Math.round(event.delayMs / 1000)}s: ${event.message}`,
        ),
        "stderr",
      );
      break;
    case "done":
      if (!state.atLineStart) out("\n");
      if (!QUIET_REASONS.has(event.reason)) line(styles.yellow(`[done] ${event.reason}`), "stderr");
      break;
    default:
      break;
  }
  return pieces;
}

const MAX_RESULT_LINES = 12;
const MAX_RESULT_CHARS = 1200;

/** Shortens a long tool result for a terminal, saying how much was left out. */
export function truncate(content: string): string {
  const lines = content.split("\n");
  let kept = lines.slice(0, MAX_RESULT_LINES).join("\n");
  if (kept.length > MAX_RESULT_CHARS) kept = kept.slice(0, MAX_RESULT_CHARS);
  const omitted = content.length - kept.length;
  return omitted > 0 ? `${kept}… (${omitted} more characters)` : content;
}

/** "just now", "42s ago", "5m ago", "3h ago", "2d ago", or the date after 30 days. */
export function relativeTime(then: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  if (seconds < 30 * 86_400) return `${Math.floor(seconds / 86_400)}d ago`;
  return new Date(then).toISOString().slice(0, 10);
}

/** The shortest prefixes (at least 8 characters) that tell the listed ids apart. */
export function shortIds(ids: readonly string[]): string[] {
  let length = 8;
  const longest = Math.max(0, ...ids.map((id) => id.length));
  while (length < longest && new Set(ids.map((id) => id.slice(0, length))).size < new Set(ids).size) length++;
  return ids.map((id) => id.slice(0, length));
}

/** One line per conversation: short id, status, activity, title (cut to the terminal width). */
export function formatConversations(
  conversations: readonly ConversationMeta[],
  now: number,
  styles: Styles,
  columns?: number,
): string {
  const ids = shortIds(conversations.map((c) => c.id));
  const idWidth = Math.max(0, ...ids.map((id) => id.length));
  const rows = conversations.map((c, i) => {
    const status = c.status.padEnd(6);
    const colored =
      c.status === "active"
        ? styles.green(status)
        : c.status === "queued"
          ? styles.yellow(status)
          : c.status === "closed"
            ? styles.dim(status)
            : status;
    const when = relativeTime(c.lastActivityAt, now).padEnd(10);
    const prefixWidth = idWidth + 2 + 6 + 2 + 10 + 2;
    const title = c.title.replace(/\s+/g, " ").trim();
    const room = columns ? Math.max(10, columns - prefixWidth) : Number.POSITIVE_INFINITY;
    const shown = title.length > room ? `${title.slice(0, room - 1)}…` : title;
    return `${styles.bold((ids[i] ?? "").padEnd(idWidth))}  ${colored}  ${when}  ${shown}`;
  });
  return rows.map((row) => `${row}\n`).join("");
}
