/**
 * Child process of the crash-safety test: appends to one conversation in a loop and writes the
 * last seq of each append to stdout (synchronously) only after `append` has returned, until it is
 * killed. Usage: `bun append-loop.ts <database path>`.
 */
import { writeSync } from "node:fs";
import { createSqliteStorage } from "@dispatch/storage-sqlite";
import { createConversationStore } from "../store.ts";

const path = process.argv[2];
if (!path) throw new Error("usage: append-loop.ts <database path>");
const storage = createSqliteStorage({ path });
const store = createConversationStore({ sql: storage.sql });
const conversationId = "crash";
// Bounded in case the parent never kills it; a closed stdout also ends it (EPIPE).
for (let round = 0; round < 100_000; round++) {
  const turnId = `turn-${process.pid}-${round}`;
  store.beginTurn(conversationId, turnId);
  const stored = store.append(conversationId, turnId, [
    { role: "user", chunks: [{ type: "text", text: `question ${round}` }] },
    {
      role: "assistant",
      chunks: [
        { type: "thinking", text: "x".repeat(200) },
        { type: "text", text: `answer ${round}` },
        { type: "tool-call", toolCallId: `call-${round}`, toolName: "read_file", input: { path: "a" } },
      ],
    },
    {
      role: "tool",
      chunks: [
        {
          type: "tool-result",
          toolCallId: `call-${round}`,
          toolName: "read_file",
          content: "ok",
          isError: false,
        },
      ],
    },
  ]);
  writeSync(1, `${stored.at(-1)?.seq ?? 0}\n`);
}
