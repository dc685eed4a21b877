/**
 * The chunk log: messages with a stable `msg_index` and their chunks with a 1-based, gap-free `seq`
 * per conversation. Callers run `append` inside a transaction on an existing conversation; reads
 * are single primary-key-ordered queries.
 */
import type { SqlDatabase } from "@dispatch/kernel";
import type { ChatMessage, Chunk, Role, StoredChunk } from "@dispatch/wire";
import type { ChunkWindow } from "./types.ts";

/** A stored message with what the log knows about it. */
export interface LoggedMessage extends ChatMessage {
  msgIndex: number;
  turnId: string | null;
}

/** The chunk log's operations over one database. */
export interface ChunkLog {
  /** Writes `messages` after the conversation's last seq; the caller holds the transaction. */
  append(conversationId: string, turnId: string | null, messages: readonly ChatMessage[]): StoredChunk[];
  read(conversationId: string, window: ChunkWindow): { chunks: StoredChunk[]; latestSeq: number };
  /** Every stored message, grouped by `msg_index`, in order. */
  messages(conversationId: string): LoggedMessage[];
  lastSeq(conversationId: string): number;
  /** Deletes every message and chunk and resets the last seq to 0; the caller holds the transaction. */
  clear(conversationId: string): void;
  lastAssistantText(conversationId: string): { content: string; turnId?: string };
}

/** A window: the newest `limit` chunks with `since < seq < before`, newest first (one primary-key range). */
export const WINDOW_SQL = `SELECT c.seq, m.role, c.data FROM chunks c
  JOIN messages m ON m.conversation_id = c.conversation_id AND m.msg_index = c.msg_index
  WHERE c.conversation_id = ? AND c.seq > ? AND c.seq < ?
  ORDER BY c.seq DESC LIMIT ?`;

/** The whole log in seq order, with each chunk's message (one primary-key range). */
export const HISTORY_SQL = `SELECT c.msg_index, m.role, m.turn_id, c.data FROM chunks c
  JOIN messages m ON m.conversation_id = c.conversation_id AND m.msg_index = c.msg_index
  WHERE c.conversation_id = ?
  ORDER BY c.seq`;

/** The first chunk seq that belongs to a turn still running (NULL when none runs). */
export const RUNNING_FROM_SQL = `SELECT MIN(c.seq) AS first FROM chunks c
  JOIN messages m ON m.conversation_id = c.conversation_id AND m.msg_index = c.msg_index
  JOIN turns t ON t.conversation_id = m.conversation_id AND t.id = m.turn_id
  WHERE c.conversation_id = ? AND t.status = 'running'`;

const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;
const NO_LIMIT = -1;

/** Prepares the chunk log's statements. */
export function createChunkLog(sql: SqlDatabase): ChunkLog {
  const head = sql.prepare<{ last_seq: number }>("SELECT last_seq FROM conversations WHERE id = ?");
  // Where an append continues: the last seq and the last message index, in one statement.
  const tail = sql.prepare<{ last_seq: number; last_msg: number | null }>(
    `SELECT last_seq,
       (SELECT msg_index FROM messages WHERE conversation_id = ? ORDER BY msg_index DESC LIMIT 1) AS last_msg
     FROM conversations WHERE id = ?`,
  );
  const insertMessage = sql.prepare(
    "INSERT INTO messages (conversation_id, msg_index, role, turn_id) VALUES (?, ?, ?, ?)",
  );
  const insertChunk = sql.prepare(
    "INSERT INTO chunks (conversation_id, seq, msg_index, type, data) VALUES (?, ?, ?, ?, ?)",
  );
  const setLastSeq = sql.prepare("UPDATE conversations SET last_seq = ? WHERE id = ?");
  const deleteChunks = sql.prepare("DELETE FROM chunks WHERE conversation_id = ?");
  const deleteMessages = sql.prepare("DELETE FROM messages WHERE conversation_id = ?");
  const window = sql.prepare<{ seq: number; role: Role; data: string }>(WINDOW_SQL);
  // The first seq of the conversation's in-flight (running) turn, if any: readers see history
  // only up to the last settled turn; the running turn reaches clients through its live events.
  const runningFrom = sql.prepare<{ first: number | null }>(RUNNING_FROM_SQL);
  const history = sql.prepare<{ msg_index: number; role: Role; turn_id: string | null; data: string }>(
    HISTORY_SQL,
  );
  const lastAssistant = sql.prepare<{ msg_index: number; turn_id: string | null }>(
    "SELECT msg_index, turn_id FROM messages WHERE conversation_id = ? AND role = 'assistant' ORDER BY msg_index DESC LIMIT 1",
  );
  const texts = sql.prepare<{ data: string }>(
    "SELECT data FROM chunks WHERE conversation_id = ? AND msg_index = ? AND type = 'text' ORDER BY seq",
  );

  return {
    append(conversationId, turnId, messages) {
      const at = tail.get(conversationId, conversationId);
      const first = at?.last_seq ?? 0;
      let seq = first;
      let msgIndex = (at?.last_msg ?? -1) + 1;
      const stored: StoredChunk[] = [];
      for (const message of messages) {
        // A message without chunks has nothing to store or send; it takes no index.
        if (message.chunks.length === 0) continue;
        insertMessage.run(conversationId, msgIndex, message.role, turnId);
        for (const chunk of message.chunks) {
          seq += 1;
          insertChunk.run(conversationId, seq, msgIndex, chunk.type, JSON.stringify(chunk));
          stored.push({ seq, role: message.role, chunk });
        }
        msgIndex += 1;
      }
      if (seq !== first) setLastSeq.run(seq, conversationId);
      return stored;
    },

    read(conversationId, { sinceSeq, beforeSeq, limit, excludeRunningTurn }) {
      const since = bound(sinceSeq) ?? 0;
      const running = excludeRunningTurn
        ? (runningFrom.get(conversationId)?.first ?? NO_UPPER_BOUND)
        : NO_UPPER_BOUND;
      const rows = window.all(
        conversationId,
        since,
        Math.min(bound(beforeSeq) ?? NO_UPPER_BOUND, running),
        bound(limit) ?? NO_LIMIT,
      );
      const chunks = rows
        .reverse()
        .map((row) => ({ seq: row.seq, role: row.role, chunk: parseChunk(row.data) }));
      return { chunks, latestSeq: chunks.at(-1)?.seq ?? since };
    },

    messages(conversationId) {
      const out: LoggedMessage[] = [];
      let current: LoggedMessage | undefined;
      for (const row of history.all(conversationId)) {
        if (current?.msgIndex !== row.msg_index) {
          current = { role: row.role, chunks: [], msgIndex: row.msg_index, turnId: row.turn_id };
          out.push(current);
        }
        current.chunks.push(parseChunk(row.data));
      }
      return out;
    },

    lastSeq: (conversationId) => head.get(conversationId)?.last_seq ?? 0,

    clear(conversationId) {
      deleteChunks.run(conversationId);
      deleteMessages.run(conversationId);
      setLastSeq.run(0, conversationId);
    },

    lastAssistantText(conversationId) {
      const message = lastAssistant.get(conversationId);
      if (!message) return { content: "" };
      const content = texts
        .all(conversationId, message.msg_index)
        .map((row) => {
          const chunk = parseChunk(row.data);
          return chunk.type === "text" ? chunk.text : "";
        })
        .join("");
      return message.turn_id === null ? { content } : { content, turnId: message.turn_id };
    },
  };
}

/** A window bound, or `undefined` when absent or not a positive integer (the store is total). */
function bound(value: number | undefined): number | undefined {
  return value !== undefined && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function parseChunk(data: string): Chunk {
  return JSON.parse(data) as Chunk;
}
