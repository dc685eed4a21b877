import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStorage } from "@dispatch/storage-sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversationStore } from "./store.ts";

const CHILD = join(import.meta.dir, "test-fixtures", "append-loop.ts");
/** Chunks per append of the child: user text, assistant thinking + text + tool call, tool result. */
const CHUNKS_PER_APPEND = 5;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "conversation-store-crash-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the child until it has acknowledged `target` appends, SIGKILLs it, and returns every seq it printed. */
async function runAndKill(
  path: string,
  target: number,
): Promise<{ acknowledged: number[]; signal: unknown }> {
  const child = Bun.spawn([process.execPath, CHILD, path], { stdout: "pipe", stderr: "ignore" });
  if (target === 0) child.kill("SIGKILL");
  const acknowledged: number[] = [];
  const decoder = new TextDecoder();
  let buffered = "";
  let killing: ReturnType<typeof setTimeout> | undefined;
  for await (const bytes of child.stdout) {
    buffered += decoder.decode(bytes, { stream: true });
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    acknowledged.push(...lines.map(Number));
    if (acknowledged.length >= target && killing === undefined) {
      // A random delay of a few loop periods lands the kill at a random point of the child's loop body.
      killing = setTimeout(() => child.kill("SIGKILL"), Math.random() * 4);
    }
  }
  await child.exited;
  return { acknowledged, signal: child.signalCode };
}

describe("crash safety", () => {
  it("keeps every acknowledged append and an intact, gap-free log across 20 SIGKILLs", async () => {
    const path = join(dir, "crash.sqlite");
    let killedAfterWrites = 0;
    for (let round = 0; round < 20; round++) {
      // Round 0 may die during the first migration; later rounds die at a random point of the loop.
      const target = round === 0 ? 0 : 1 + Math.floor(Math.random() * 40);
      const { acknowledged, signal } = await runAndKill(path, target);
      expect(signal).toBe("SIGKILL");
      if (acknowledged.length > 0) killedAfterWrites++;

      const storage = createSqliteStorage({ path });
      try {
        const integrity = storage.sql.prepare<{ integrity_check: string }>("PRAGMA integrity_check").all();
        expect(integrity).toEqual([{ integrity_check: "ok" }]);
        const store = createConversationStore({ sql: storage.sql });
        const seqs = store.readChunks("crash").chunks.map((chunk) => chunk.seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
        expect(store.lastSeq("crash")).toBe(seqs.length);
        // Appends are all-or-nothing.
        expect(seqs.length % CHUNKS_PER_APPEND).toBe(0);
        for (const seq of acknowledged) expect(seq).toBeLessThanOrEqual(seqs.length);
        const orphans = storage.sql
          .prepare<{ n: number }>(
            "SELECT COUNT(*) AS n FROM messages m WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.conversation_id = m.conversation_id AND c.msg_index = m.msg_index)",
          )
          .get();
        expect(orphans).toEqual({ n: 0 });
      } finally {
        storage.close();
      }
    }
    expect(killedAfterWrites).toBeGreaterThanOrEqual(19);
  });
});
