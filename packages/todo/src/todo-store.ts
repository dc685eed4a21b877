/**
 * The persisted task lists: one row per conversation in the `todo_lists` table (owner `todo`,
 * created by its own migration), holding the list as JSON. Unlike the reference system's
 * in-memory lists, they survive a daemon restart.
 */
import type { Migration, Now, SqlDatabase } from "@dispatch/kernel";
import { z } from "zod";

/** Where a task stands. */
export type TodoStatus = "pending" | "in_progress" | "completed" | "cancelled";

/** One task of a conversation's list. */
export interface TodoItem {
  content: string;
  status: TodoStatus;
}

/** The statuses, in the order the schema lists them. */
export const TODO_STATUSES = ["pending", "in_progress", "completed", "cancelled"] as const;

/** A stored or submitted task. */
export const todoItemSchema = z.object({
  content: z.string().trim().min(1, "must not be empty").max(1_000),
  status: z.enum(TODO_STATUSES),
});

/** The schema steps of owner `todo`. */
export const TODO_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "create todo_lists",
    up: `CREATE TABLE todo_lists (
      conversation_id TEXT PRIMARY KEY,
      todos TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
  },
];

/** Read and replace a conversation's list. Contract: synchronous; `set` is atomic. */
export interface TodoStore {
  /** The list, empty when none was written. */
  get(conversationId: string): TodoItem[];
  /** Replaces the whole list (an empty list deletes the row). */
  set(conversationId: string, todos: readonly TodoItem[]): void;
}

/** A store on `sql`; applies the `todo` migrations first. */
export function createTodoStore(sql: SqlDatabase, now: Now): TodoStore {
  sql.migrate("todo", TODO_MIGRATIONS);
  const select = sql.prepare<{ todos: string }>("SELECT todos FROM todo_lists WHERE conversation_id = ?");
  const upsert = sql.prepare(
    `INSERT INTO todo_lists (conversation_id, todos, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (conversation_id) DO UPDATE SET todos = excluded.todos, updated_at = excluded.updated_at`,
  );
  const remove = sql.prepare("DELETE FROM todo_lists WHERE conversation_id = ?");
  const stored = z.array(todoItemSchema);
  return {
    get(conversationId) {
      const row = select.get(conversationId);
      if (row === null) return [];
      const parsed = stored.safeParse(safeJson(row.todos));
      return parsed.success ? parsed.data : [];
    },
    set(conversationId, todos) {
      if (todos.length === 0) remove.run(conversationId);
      else
        upsert.run(
          conversationId,
          JSON.stringify(todos.map(({ content, status }) => ({ content, status }))),
          now(),
        );
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
