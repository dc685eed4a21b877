/**
 * The line diff: minimal edit scripts (checked against an LCS oracle on random inputs) and the
 * unified rendering with hunks, context and clipping of long changed lines.
 */
import { describe, expect, it } from "vitest";
import { diffLines, unifiedDiff } from "./line-diff.ts";

function lcsLength(a: readonly string[], b: readonly string[]): number {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const row = table[i] ?? [];
      row[j] =
        a[i - 1] === b[j - 1]
          ? (table[i - 1]?.[j - 1] ?? 0) + 1
          : Math.max(table[i - 1]?.[j] ?? 0, row[j - 1] ?? 0);
    }
  }
  return table[a.length]?.[b.length] ?? 0;
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe("diffLines", () => {
  it("finds a minimal script that rebuilds both sides", () => {
    const random = seeded(42);
    for (let round = 0; round < 200; round += 1) {
      const make = () =>
        Array.from({ length: Math.floor(random() * 12) }, () => "abcd"[Math.floor(random() * 4)] ?? "a");
      const a = make();
      const b = make();
      const script = diffLines(a, b);
      expect(script.filter((line) => line.op !== "+").map((line) => line.text)).toEqual(a);
      expect(script.filter((line) => line.op !== "-").map((line) => line.text)).toEqual(b);
      expect(script.filter((line) => line.op === " ")).toHaveLength(lcsLength(a, b));
    }
  });
});

describe("unifiedDiff", () => {
  it("returns an empty string for equal texts", () => {
    expect(unifiedDiff("a\nb", "a\nb", { labelA: "x", labelB: "y" })).toBe("");
  });

  it("prints hunks with context and line numbers", () => {
    const a = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"].join("\n");
    const b = ["1", "2", "3", "4", "FIVE", "6", "7", "8", "9", "10", "11"].join("\n");
    expect(unifiedDiff(a, b, { labelA: "a", labelB: "b", context: 1 })).toBe(
      [
        "--- a",
        "+++ b",
        "@@ -4,3 +4,3 @@",
        " 4",
        "-5",
        "+FIVE",
        " 6",
        "@@ -10,1 +10,2 @@",
        " 10",
        "+11",
        "",
      ].join("\n"),
    );
  });

  it("clips long changed lines around their first difference", () => {
    const prefix = "x".repeat(1000);
    const out = unifiedDiff(`${prefix}OLD-tail`, `${prefix}NEW-tail`, {
      labelA: "a",
      labelB: "b",
      maxLineLength: 80,
    });
    expect(out).toContain("OLD-tail");
    expect(out).toContain("NEW-tail");
    expect(out).toContain("…(928 chars)…");
  });
});
