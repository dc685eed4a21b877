/**
 * Test helper: a conversation store on a real SQLite file in a fresh temp directory, with a
 * settable clock and a reopen that closes the file and opens it again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStorage, type SqliteStorage } from "@dispatch/storage-sqlite";
import type { ChatMessage } from "@dispatch/wire";
import { createConversationStore } from "../store.ts";
import type { ConversationStore } from "../types.ts";

/** An open store and its file. */
export interface TestStore {
  readonly dir: string;
  readonly path: string;
  storage: SqliteStorage;
  store: ConversationStore;
  /** The store's clock; tests move it. */
  clock: { now: number };
  /** Closes the database and opens the same file again. */
  reopen(): void;
  /** Closes the database and removes the directory. */
  dispose(): void;
}

/** Opens a store in a new temp directory. */
export function openTestStore(): TestStore {
  const dir = mkdtempSync(join(tmpdir(), "conversation-store-"));
  const path = join(dir, "dispatch.sqlite");
  const clock = { now: 1_000 };
  const open = () => {
    const storage = createSqliteStorage({ path });
    return { storage, store: createConversationStore({ sql: storage.sql, now: () => clock.now }) };
  };
  const state: TestStore = {
    dir,
    path,
    clock,
    ...open(),
    reopen() {
      state.storage.close();
      Object.assign(state, open());
    },
    dispose() {
      state.storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return state;
}

/** A user message with one text chunk. */
export function user(text: string): ChatMessage {
  return { role: "user", chunks: [{ type: "text", text }] };
}

/** An assistant message with one text chunk. */
export function assistant(text: string): ChatMessage {
  return { role: "assistant", chunks: [{ type: "text", text }] };
}

/** An assistant message calling tools (one chunk per call id). */
export function calls(...ids: string[]): ChatMessage {
  return {
    role: "assistant",
    chunks: ids.map((id) => ({
      type: "tool-call",
      toolCallId: id,
      toolName: "read_file",
      input: { path: id },
    })),
  };
}

/** A tool message answering calls (one chunk per call id). */
export function results(...ids: string[]): ChatMessage {
  return {
    role: "tool",
    chunks: ids.map((id) => ({
      type: "tool-result",
      toolCallId: id,
      toolName: "read_file",
      content: `content of ${id}`,
      isError: false,
    })),
  };
}
