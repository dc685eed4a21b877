/**
 * The benchmark suite runs end to end: `bun bench/run.ts --short --runs 1` as a child process (the
 * real daemon, relay and scripted model), exiting 0 and printing a row for every figure. Budgets
 * are not asserted here; benchmarks are not timed tests.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** Every row id the suite prints (the figures of issue #9). */
const FIGURES = [
  "1 cold start",
  "2 idle RSS,",
  "2 idle PSS",
  "2 idle RSS of the collector",
  "2 idle PSS of the collector",
  "3 200-token turn: overhead",
  "3 200-token turn: model's first token",
  "3 200-token turn: model's last chunk",
  "4 tool turn: overhead",
  "4 tool turn: model's first token",
  "4 tool turn: model's last chunk",
  "4 tool turn: first call's last chunk",
  "5 20 conversations at once: total",
  "5 20 conversations at once: per-turn p50",
  "5 20 conversations at once: per-turn p90",
  "5 20 conversations at once: peak RSS",
  "5 100 conversations at once: total",
  "5 100 conversations at once: per-turn p50",
  "5 100 conversations at once: per-turn p90",
  "5 100 conversations at once: peak RSS",
  "6 500-turn conversation: restart",
  "6 500-turn conversation: first history window",
  "6 500-turn conversation: next turn's overhead",
  "6 500-turn conversation: the turn after (warm process)",
  "7 NDJSON, 1 turn",
  "7 NDJSON, 100 turns",
  "7 WebSocket, 1 turn of 2000 events → 1 subscriber",
  "7 WebSocket, 1 turn of 2000 events → 100 subscribers",
  "7 WebSocket, 100 subscribers: any event dropped or reordered",
  "8 collector ingest",
];

describe("bench/run.ts --short", () => {
  it("exits 0 and prints every figure's row with a value or a reason", async () => {
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, "run.ts"), "--short", "--runs", "1"], {
      cwd: join(import.meta.dir, ".."),
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    if (code !== 0) throw new Error(`bench exited ${code}:\n${stderr.slice(-4000)}`);
    const rows = stdout.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| figure"));
    for (const figure of FIGURES) {
      const row = rows.find((line) => line.startsWith(`| ${figure}`));
      expect(row, `row "${figure}"`).toBeDefined();
      const ours = row?.split("|")[3]?.trim() ?? "";
      expect(ours === "n/a (not built)" || /^-?[\d,.]+/.test(ours), `value of "${figure}": ${ours}`).toBe(
        true,
      );
    }
    expect(stdout).toMatch(
      /daemon: (dist\/dispatch-server \(compiled\)|bun packages\/host-bin\/src\/main\.ts)/,
    );
  }, 180_000);
});
