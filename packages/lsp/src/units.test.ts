/**
 * Pure pieces: workspace roots by marker, encoded file URIs, the per-edit diagnostics comparison
 * (by problem, not position) and its formatting, and locations rendered with a source line.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { diffDiagnostics, formatDiagnostic, formatList, MAX_LISTED } from "./diagnostics.ts";
import {
  createLineReader,
  formatDocumentSymbols,
  formatHover,
  formatLocations,
  toLocations,
  wordAt,
} from "./format.ts";
import { displayPath, findRoot, fromUri, languageId, toUri } from "./paths.ts";
import type { Diagnostic } from "./protocol.ts";

let dir: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "lsp-units-")));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const at = (line: number, character: number, message: string, severity: 1 | 2 = 1): Diagnostic => ({
  range: { start: { line, character }, end: { line, character: character + 1 } },
  severity,
  message,
  source: "ts",
  code: 2322,
});

describe("paths", () => {
  it("find the nearest root marker between the file and the cwd, else the cwd", () => {
    const pkg = join(dir, "packages", "app");
    mkdirSync(join(pkg, "src"), { recursive: true });
    writeFileSync(join(pkg, "package.json"), "{}");
    writeFileSync(join(dir, "tsconfig.json"), "{}");
    expect(findRoot(join(pkg, "src", "x.ts"), dir, ["package.json"])).toBe(pkg);
    expect(findRoot(join(pkg, "src", "x.ts"), dir, ["tsconfig.json"])).toBe(dir);
    expect(findRoot(join(pkg, "src", "x.ts"), join(pkg, "src"), ["tsconfig.json"])).toBe(join(pkg, "src"));
    expect(findRoot(join(pkg, "src", "x.ts"), dir, ["go.mod"])).toBe(dir);
  });

  it("encode file URIs and decode them back", () => {
    const path = join(dir, "my dir", "a#b%c.ts");
    expect(toUri(path)).toBe(`file://${dir}/my%20dir/a%23b%25c.ts`);
    expect(fromUri(toUri(path))).toBe(path);
    expect(fromUri("untitled:1")).toBeUndefined();
    expect(displayPath(path, dir)).toBe("my dir/a#b%c.ts");
    expect(displayPath("/elsewhere/x.ts", dir)).toBe("/elsewhere/x.ts");
    expect(languageId("x.TSX")).toBe("typescriptreact");
  });
});

describe("diagnostics", () => {
  it("compare by problem, so an error that only moved is neither new nor fixed", () => {
    const before = [at(3, 1, "same"), at(5, 2, "old"), at(7, 0, "dup"), at(8, 0, "dup")];
    const after = [at(4, 1, "same"), at(9, 0, "new"), at(9, 5, "dup")];
    const diff = diffDiagnostics(before, after);
    expect(diff.added.map((d) => d.message)).toEqual(["new"]);
    expect(diff.fixed.map((d) => d.message)).toEqual(["old", "dup"]);
    expect(diff.unchanged).toBe(2);
  });

  it("format as line:col, severity, message, origin and the source line", () => {
    const lines = ["", "  const a: string = 1;"];
    expect(formatDiagnostic(at(1, 8, "Type 'number' is not\n  assignable."), { lines })).toBe(
      "2:9 error: Type 'number' is not assignable. (ts 2322)\n    | const a: string = 1;",
    );
    expect(formatDiagnostic(at(1, 8, "gone", 2), { wasAt: true })).toBe(
      "warning: gone (ts 2322) [was at 2:9]",
    );
    const many = Array.from({ length: MAX_LISTED + 3 }, (_, i) => at(i, 0, `e${i}`));
    const listed = formatList(many);
    expect(listed).toHaveLength(MAX_LISTED + 1);
    expect(listed.at(-1)).toBe("  …and 3 more");
  });
});

describe("format", () => {
  it("renders locations relative to the cwd with their source line, never JSON", () => {
    writeFileSync(join(dir, "b.ts"), "export const b = 1;\n");
    const uri = toUri(join(dir, "b.ts"));
    const link = {
      targetUri: uri,
      targetRange: at(0, 0, "").range,
      targetSelectionRange: at(0, 13, "").range,
    };
    expect(formatLocations("Definition", toLocations([link]), dir, createLineReader())).toBe(
      "Definition (1):\nb.ts:1:14  export const b = 1;",
    );
    expect(formatLocations("References", [], dir, createLineReader())).toBe("References: none found.");
  });

  it("renders hover text, outlines and the word under the cursor", () => {
    expect(formatHover({ contents: [{ language: "ts", value: "const b: 1" }, "docs"] })).toBe(
      "```ts\nconst b: 1\n```\n\ndocs",
    );
    expect(formatHover({ contents: "" })).toBeUndefined();
    const range = at(2, 4, "").range;
    const outline = formatDocumentSymbols([
      {
        name: "Box",
        kind: 5,
        range,
        selectionRange: range,
        children: [{ name: "open", kind: 6, range, selectionRange: range }],
      },
    ]);
    expect(outline).toEqual(["class Box  3:5", "  method open  3:5"]);
    expect(wordAt("import { foo } from", 10)).toBe("foo");
    expect(wordAt("   ", 1)).toBeUndefined();
  });
});
