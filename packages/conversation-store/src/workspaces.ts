/**
 * The `workspaces` table: a workspace groups conversations and carries a default cwd and extra
 * roots for the file tools. `"default"` is seeded when the store opens and can be neither deleted
 * nor missing; a workspace's activity time follows its conversations' appends. Writes that span
 * tables run in the caller's transaction.
 */
import { isAbsolute, normalize } from "node:path";
import type { SqlDatabase } from "@dispatch/kernel";
import type { Workspace, WorkspaceEntry } from "@dispatch/wire";

/** The workspace every conversation belongs to unless assigned elsewhere. */
export const DEFAULT_WORKSPACE_ID = "default";

/** Workspace ids are slugs: 1-40 characters of `a-z`, `0-9` and `-`. */
export const WORKSPACE_ID_PATTERN = /^[a-z0-9-]{1,40}$/;

/** Most extra roots a workspace may list. */
export const MAX_WORKSPACE_EXTRA_ROOTS = 20;

/** Whether `id` is a valid workspace id. */
export function isValidWorkspaceId(id: string): boolean {
  return WORKSPACE_ID_PATTERN.test(id);
}

/** Throws a clear error unless `id` is a valid workspace id (the HTTP layer validates first). */
export function assertWorkspaceId(id: string): void {
  if (!isValidWorkspaceId(id)) {
    throw new Error(`invalid workspace id ${JSON.stringify(id)}: use 1-40 characters of a-z, 0-9 and "-"`);
  }
}

/** Workspace operations over one database. */
export interface WorkspaceTable {
  get(id: string): Workspace | null;
  list(): WorkspaceEntry[];
  /** Inserts the workspace if absent (title = id, or "Default" for `default`); never changes one. */
  ensure(id: string): Workspace;
  /** Sets the fields given; `undefined` leaves a field unchanged. Returns null for an unknown id. */
  update(
    id: string,
    patch: { title?: string; defaultCwd?: string | null; extraRoots?: readonly string[] },
  ): Workspace | null;
  /** Raises `last_activity_at` of the conversation's workspace to `at`. */
  touchFor(conversationId: string, at: number): void;
  /** Closes the workspace's conversations, moves them to `default` and deletes it; returns how many it closed. */
  remove(id: string): number;
}

interface WorkspaceRow {
  id: string;
  title: string;
  default_cwd: string | null;
  default_computer_id: string | null;
  created_at: number;
  last_activity_at: number;
  extra_roots: string;
}

const COLUMNS = "id, title, default_cwd, default_computer_id, created_at, last_activity_at, extra_roots";

/** Prepares the workspace statements and seeds `default`; `now` stamps creation. */
export function createWorkspaceTable(sql: SqlDatabase, now: () => number): WorkspaceTable {
  const select = sql.prepare<WorkspaceRow>(`SELECT ${COLUMNS} FROM workspaces WHERE id = ?`);
  const list = sql.prepare<WorkspaceRow & { conversation_count: number }>(
    `SELECT ${COLUMNS},
       (SELECT COUNT(*) FROM conversations c WHERE c.workspace_id = w.id) AS conversation_count
     FROM workspaces w ORDER BY last_activity_at DESC, created_at DESC, id`,
  );
  const insert = sql.prepare(
    `INSERT INTO workspaces (id, title, created_at, last_activity_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  const setTitle = sql.prepare("UPDATE workspaces SET title = ? WHERE id = ?");
  const setDefaultCwd = sql.prepare("UPDATE workspaces SET default_cwd = ? WHERE id = ?");
  const setExtraRoots = sql.prepare("UPDATE workspaces SET extra_roots = ? WHERE id = ?");
  const touch = sql.prepare(
    `UPDATE workspaces SET last_activity_at = MAX(last_activity_at, ?)
     WHERE id = (SELECT workspace_id FROM conversations WHERE id = ?)`,
  );
  const countOpen = sql.prepare<{ n: number }>(
    "SELECT COUNT(*) AS n FROM conversations WHERE workspace_id = ? AND status <> 'closed'",
  );
  const reassign = sql.prepare(
    "UPDATE conversations SET status = 'closed', workspace_id = ? WHERE workspace_id = ?",
  );
  const remove = sql.prepare("DELETE FROM workspaces WHERE id = ?");

  const get = (id: string) => {
    const row = select.get(id);
    return row ? toWorkspace(row) : null;
  };
  const ensure = (id: string) => {
    const at = now();
    insert.run(id, id === DEFAULT_WORKSPACE_ID ? "Default" : id, at, at);
    const workspace = get(id);
    if (!workspace) throw new Error(`ensure workspace ${id}: the row is missing after its insert (a bug)`);
    return workspace;
  };
  ensure(DEFAULT_WORKSPACE_ID);

  return {
    get,
    list: () => list.all().map((row) => ({ ...toWorkspace(row), conversationCount: row.conversation_count })),
    ensure,
    update(id, patch) {
      const roots = patch.extraRoots === undefined ? undefined : normalizeExtraRoots(patch.extraRoots);
      if (!select.get(id)) return null;
      if (patch.title !== undefined) setTitle.run(patch.title, id);
      if (patch.defaultCwd !== undefined) setDefaultCwd.run(patch.defaultCwd || null, id);
      if (roots !== undefined) setExtraRoots.run(JSON.stringify(roots), id);
      return get(id);
    },
    touchFor(conversationId, at) {
      touch.run(at, conversationId);
    },
    remove(id) {
      const closed = countOpen.get(id)?.n ?? 0;
      reassign.run(DEFAULT_WORKSPACE_ID, id);
      remove.run(id);
      return closed;
    },
  };
}

/**
 * Normalizes extra roots: each must be a non-empty absolute path; duplicates (after normalizing)
 * are dropped, order kept. Throws `RangeError` otherwise (the HTTP layer validates first).
 */
export function normalizeExtraRoots(roots: readonly string[]): string[] {
  if (roots.length > MAX_WORKSPACE_EXTRA_ROOTS) {
    throw new RangeError(
      `a workspace may list at most ${MAX_WORKSPACE_EXTRA_ROOTS} extra roots, got ${roots.length}`,
    );
  }
  const normalized: string[] = [];
  for (const root of roots) {
    if (typeof root !== "string" || !isAbsolute(root)) {
      throw new RangeError(`extra root ${JSON.stringify(root)} is not an absolute path`);
    }
    const path = normalize(root).replace(/(.)\/+$/, "$1");
    if (!normalized.includes(path)) normalized.push(path);
  }
  return normalized;
}

function parseRoots(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((root): root is string => typeof root === "string") : [];
}

function toWorkspace(row: WorkspaceRow): Workspace {
  const extraRoots = parseRoots(row.extra_roots);
  return {
    id: row.id,
    title: row.title,
    defaultCwd: row.default_cwd,
    defaultComputerId: row.default_computer_id,
    createdAt: row.created_at,
    lastActivityAt: row.last_activity_at,
    // Present only when set, so a workspace without extra roots keeps the reference shape.
    ...(extraRoots.length > 0 ? { extraRoots } : {}),
  };
}
