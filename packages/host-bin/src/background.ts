/**
 * Work the first turn after a start would otherwise do itself, done in the background once the
 * daemon listens. Each task runs in a macrotask of its own (`setImmediate`), so a request that
 * arrives meanwhile waits for one task at most. `main.ts` wires it; today the tasks derive the tools'
 * JSON schemas (tool-kit `defineTool` derives a schema on first read, to keep it out of the start:
 * zod's `toJSONSchema` on the bundled tools cost the first turn 3-5 ms in the compiled build).
 */
import type { Tool } from "@dispatch/kernel";

/** One piece of background work. Contract: synchronous and short (well under a millisecond or two). */
export type BackgroundTask = () => void;

/**
 * Runs `tasks` one per macrotask, in order; resolves when all ran. A task that throws is passed to
 * `onError` and the others still run; the returned promise never rejects.
 */
export function runInBackground(
  tasks: Iterable<BackgroundTask>,
  onError: (err: unknown) => void = () => {},
): Promise<void> {
  const pending = [...tasks];
  return new Promise((resolve) => {
    const next = () => {
      const task = pending.shift();
      if (task === undefined) {
        resolve();
        return;
      }
      try {
        task();
      } catch (err) {
        try {
          onError(err);
        } catch {}
      }
      setImmediate(next);
    };
    setImmediate(next);
  });
}

/** One task per tool: reading `inputSchema` derives and keeps it (tool-kit), so the first turn finds it ready. */
export function toolSchemaTasks(tools: readonly Tool[]): BackgroundTask[] {
  return tools.map((tool) => () => {
    void tool.inputSchema;
  });
}
