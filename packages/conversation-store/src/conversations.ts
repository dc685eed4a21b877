/**
 * The `conversations` table: metadata, per-conversation settings and the filtered listing. Every
 * setter is one upsert, so setting anything on an unknown id creates the conversation (idle, in
 * the default workspace) instead of failing.
 */
import type { SqlDatabase, SqlStatement, SqlValue } from "@dispatch/kernel";
import type { ConversationMeta, ConversationStatus, ReasoningEffort } from "@dispatch/wire";
import type { ConversationFilter, ConversationSettings } from "./types.ts";

/** The columns a caller may set directly. */
export type SettableColumn =
  | "compact_percent"
  | "compacted_from"
  | "cwd"
  | "model"
  | "reasoning_effort"
  | "status"
  | "title"
  | "workspace_id";

/** Metadata operations over one database. */
export interface ConversationTable {
  /** Inserts the conversation if absent (never changes an existing one) and returns it. */
  ensure(id: string, workspaceId?: string): ConversationMeta;
  /**
   * Inserts the conversation (idle, workspace `default`) if absent and writes nothing otherwise:
   * `ensure` without its returned row, for writers inside a transaction (an existing row's page
   * is not rewritten).
   */
  insertIfMissing(id: string): void;
  get(id: string): ConversationMeta | null;
  list(filter: ConversationFilter): ConversationMeta[];
  set(id: string, column: SettableColumn, value: string | number | null): void;
  settings(id: string): ConversationSettings;
  compactPercent(id: string): number | null;
  /** Sets `last_activity_at`, and the title when it is still empty and `title` is not. */
  touch(id: string, title: string): void;
  /** Sets the title while it is still empty (no write when it is set or `title` is empty). */
  titleIfEmpty(id: string, title: string): void;
}

interface MetaRow {
  id: string;
  title: string;
  status: ConversationStatus;
  workspace_id: string;
  created_at: number;
  last_activity_at: number;
  compacted_from: string | null;
}

const META_COLUMNS = "id, title, status, workspace_id, created_at, last_activity_at, compacted_from";
const SETTABLE: readonly SettableColumn[] = [
  "compact_percent",
  "compacted_from",
  "cwd",
  "model",
  "reasoning_effort",
  "status",
  "title",
  "workspace_id",
];

/** Prepares the metadata statements; `now` stamps creation and activity. */
export function createConversationTable(sql: SqlDatabase, now: () => number): ConversationTable {
  // The no-op update makes RETURNING yield the row whether it was inserted or already there.
  const ensure = sql.prepare<MetaRow>(
    `INSERT INTO conversations (id, workspace_id, created_at, last_activity_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET title = title
     RETURNING ${META_COLUMNS}`,
  );
  const insertIfMissing = sql.prepare(
    `INSERT INTO conversations (id, created_at, last_activity_at) VALUES (?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  const select = sql.prepare<MetaRow>(`SELECT ${META_COLUMNS} FROM conversations WHERE id = ?`);
  const selectSettings = sql.prepare<{
    cwd: string | null;
    model: string | null;
    reasoning_effort: string | null;
  }>("SELECT cwd, model, reasoning_effort FROM conversations WHERE id = ?");
  const selectCompactPercent = sql.prepare<{ compact_percent: number | null }>(
    "SELECT compact_percent FROM conversations WHERE id = ?",
  );
  const touch = sql.prepare(
    "UPDATE conversations SET last_activity_at = ?, title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
  );
  const titleIfEmpty = sql.prepare("UPDATE conversations SET title = ? WHERE id = ? AND title = ''");
  const setters = new Map<SettableColumn, SqlStatement<unknown>>(
    SETTABLE.map((column) => [
      column,
      sql.prepare(
        `INSERT INTO conversations (id, ${column}, created_at, last_activity_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET ${column} = excluded.${column}`,
      ),
    ]),
  );
  const listQueries = new Map<string, SqlStatement<MetaRow>>();

  return {
    ensure(id, workspaceId = "default") {
      const at = now();
      const row = ensure.get(id, workspaceId, at, at);
      if (!row) throw new Error(`ensure(${id}): the upsert returned no row (a bug in its SQL)`);
      return toMeta(row);
    },
    insertIfMissing(id) {
      const at = now();
      insertIfMissing.run(id, at, at);
    },
    get(id) {
      const row = select.get(id);
      return row ? toMeta(row) : null;
    },
    list(filter) {
      const { text, params } = listQuery(filter);
      let statement = listQueries.get(text);
      if (!statement) {
        statement = sql.prepare<MetaRow>(text);
        listQueries.set(text, statement);
      }
      let metas = statement.all(...params).map(toMeta);
      const needle = filter.titleContains?.toLowerCase();
      if (needle) metas = metas.filter((meta) => meta.title.toLowerCase().includes(needle));
      const limit = positive(filter.limit);
      return limit === undefined ? metas : metas.slice(0, limit);
    },
    set(id, column, value) {
      const at = now();
      setters.get(column)?.run(id, value, at, at);
    },
    settings(id) {
      const row = selectSettings.get(id);
      return {
        cwd: row?.cwd ?? null,
        model: row?.model ?? null,
        reasoningEffort: (row?.reasoning_effort ?? null) as ReasoningEffort | null,
      };
    },
    compactPercent: (id) => selectCompactPercent.get(id)?.compact_percent ?? null,
    touch(id, title) {
      touch.run(now(), title, id);
    },
    titleIfEmpty(id, title) {
      if (title !== "") titleIfEmpty.run(title, id);
    },
  };
}

/** The SQL of a listing; the title filter and its limit are applied in JS (Unicode case folding). */
function listQuery(filter: ConversationFilter): { text: string; params: SqlValue[] } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  const statuses = [...new Set(filter.status ?? [])];
  if (statuses.length > 0) {
    where.push(`status IN (${statuses.map(() => "?").join(", ")})`);
    params.push(...statuses);
  }
  if (filter.workspaceId !== undefined) {
    where.push("workspace_id = ?");
    params.push(filter.workspaceId);
  }
  if (filter.idPrefix) {
    // instr(...) = 1 is "starts with", literally: no wildcard characters, no case folding.
    where.push("instr(id, ?) = 1");
    params.push(filter.idPrefix);
  }
  let text = `SELECT ${META_COLUMNS} FROM conversations`;
  if (where.length > 0) text += ` WHERE ${where.join(" AND ")}`;
  text += " ORDER BY last_activity_at DESC, rowid DESC";
  const limit = positive(filter.limit);
  if (limit !== undefined && !filter.titleContains) {
    text += " LIMIT ?";
    params.push(limit);
  }
  return { text, params };
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function toMeta(row: MetaRow): ConversationMeta {
  const meta: ConversationMeta = {
    id: row.id,
    createdAt: row.created_at,
    lastActivityAt: row.last_activity_at,
    title: row.title,
    status: row.status,
    workspaceId: row.workspace_id,
  };
  if (row.compacted_from !== null) meta.compactedFrom = row.compacted_from;
  return meta;
}
