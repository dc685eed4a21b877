/**
 * The conversation store's tables (migration owner `conversation-store`). Messages have a stable
 * `msg_index`, so history regroups exactly as appended; chunks are keyed by `(conversation_id, seq)`
 * so every window read is a primary-key range. See notes/storage-schema.md.
 */
import type { Migration } from "@dispatch/kernel";

/** The migration owner of these tables. */
export const CONVERSATION_STORE_OWNER = "conversation-store";

/** The schema, version by version. Never edit a released version; add one. */
export const CONVERSATION_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "conversations, turns, messages, chunks, turn metrics",
    up: `
      CREATE TABLE conversations (
        id TEXT NOT NULL PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'idle' CHECK (status IN ('active', 'queued', 'idle', 'closed')),
        workspace_id TEXT NOT NULL DEFAULT 'default',
        created_at INTEGER NOT NULL,
        last_activity_at INTEGER NOT NULL,
        compacted_from TEXT,
        cwd TEXT,
        model TEXT,
        reasoning_effort TEXT,
        last_seq INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX conversations_by_activity ON conversations (last_activity_at);
      CREATE INDEX conversations_by_status ON conversations (status, last_activity_at);
      CREATE INDEX conversations_by_workspace ON conversations (workspace_id, last_activity_at);

      CREATE TABLE turns (
        id TEXT NOT NULL PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        status TEXT NOT NULL CHECK (status IN ('running', 'sealed', 'interrupted')),
        finish_reason TEXT
      );
      CREATE INDEX turns_by_conversation ON turns (conversation_id);
      CREATE INDEX turns_running ON turns (conversation_id) WHERE status = 'running';

      CREATE TABLE messages (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        msg_index INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
        turn_id TEXT,
        PRIMARY KEY (conversation_id, msg_index)
      ) WITHOUT ROWID;

      CREATE TABLE chunks (
        conversation_id TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (seq > 0),
        msg_index INTEGER NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (conversation_id, seq),
        FOREIGN KEY (conversation_id, msg_index) REFERENCES messages (conversation_id, msg_index) ON DELETE CASCADE
      ) WITHOUT ROWID;
      CREATE INDEX chunks_by_message ON chunks (conversation_id, msg_index);

      CREATE TABLE turn_metrics (
        turn_id TEXT NOT NULL PRIMARY KEY REFERENCES turns (id) ON DELETE CASCADE,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        seq_order INTEGER NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (conversation_id, seq_order)
      );
    `,
  },
  {
    version: 2,
    name: "workspaces, compaction threshold, turns keyed per conversation",
    up: `
      CREATE TABLE workspaces (
        id TEXT NOT NULL PRIMARY KEY,
        title TEXT NOT NULL,
        default_cwd TEXT,
        default_computer_id TEXT,
        created_at INTEGER NOT NULL,
        last_activity_at INTEGER NOT NULL
      );
      CREATE INDEX workspaces_by_activity ON workspaces (last_activity_at);
      INSERT INTO workspaces (id, title, created_at, last_activity_at)
        SELECT workspace_id, CASE workspace_id WHEN 'default' THEN 'Default' ELSE workspace_id END,
               MIN(created_at), MAX(last_activity_at)
        FROM conversations GROUP BY workspace_id;

      ALTER TABLE conversations ADD COLUMN compact_percent REAL;

      -- An archive (forkHistory) holds the same turn ids as its source, so a turn is keyed per conversation.
      CREATE TABLE turns_v2 (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        status TEXT NOT NULL CHECK (status IN ('running', 'sealed', 'interrupted')),
        finish_reason TEXT,
        PRIMARY KEY (conversation_id, id)
      );
      INSERT INTO turns_v2 (conversation_id, id, started_at, ended_at, status, finish_reason)
        SELECT conversation_id, id, started_at, ended_at, status, finish_reason FROM turns;
      CREATE TABLE turn_metrics_v2 (
        conversation_id TEXT NOT NULL,
        turn_id TEXT NOT NULL,
        seq_order INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (conversation_id, turn_id),
        UNIQUE (conversation_id, seq_order),
        FOREIGN KEY (conversation_id, turn_id) REFERENCES turns_v2 (conversation_id, id) ON DELETE CASCADE
      );
      INSERT INTO turn_metrics_v2 (conversation_id, turn_id, seq_order, data)
        SELECT conversation_id, turn_id, seq_order, data FROM turn_metrics;
      DROP TABLE turn_metrics;
      DROP TABLE turns;
      ALTER TABLE turns_v2 RENAME TO turns;
      ALTER TABLE turn_metrics_v2 RENAME TO turn_metrics;
      CREATE INDEX turns_running ON turns (conversation_id) WHERE status = 'running';
    `,
  },
  {
    version: 3,
    name: "workspace extra roots",
    up: `
      -- A JSON array of absolute paths the file tools may use besides the cwd.
      ALTER TABLE workspaces ADD COLUMN extra_roots TEXT NOT NULL DEFAULT '[]';
    `,
  },
];
