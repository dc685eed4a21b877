import { describe, expect, it } from "vitest";
import { DEFAULT_TEMPLATE } from "./default-template.ts";
import { expandTemplate, parseTemplate, templateKeys } from "./template.ts";

const values = { "system:os": "Linux", "prompt:cwd": "/src", "git:branch": "main", "git:status": "" };
const expand = (template: string) => expandTemplate(template, values);

describe("variables", () => {
  it("inserts known variables and nothing for absent or unknown names of known types", () => {
    expect(expand("os=[system:os] cwd=[prompt:cwd]")).toBe("os=Linux cwd=/src");
    expect(expand("[system:nope]|[file:missing.md]|[git:status]")).toBe("||");
    expect(expand("[ system:os ] [system: os]")).toBe("Linux Linux");
  });

  it("leaves brackets that are not tags alone", () => {
    expect(expand("a[i:j] [Note: x] [link](url) [] [ ] [system:] [x")).toBe(
      "a[i:j] [Note: x] [link](url) [] [ ] [system:] [x",
    );
    expect(expand("[[system:os]] [ [system:os]")).toBe("[Linux] [ Linux");
    expect(expand("unclosed [system:os")).toBe("unclosed [system:os");
  });
});

describe("conditionals", () => {
  it("chooses by whether the variable has non-blank text, with else and negation", () => {
    expect(expand("[if system:os]yes[endif]")).toBe("yes");
    expect(expand("[if system:none]yes[endif]")).toBe("");
    expect(expand("[if system:none]yes[else]no[endif]")).toBe("no");
    expect(expand("[if git:status]dirty[else]clean[endif]")).toBe("clean");
    expect(expand("[if !system:none]absent[else]present[endif]")).toBe("absent");
    expect(expand("[if ! system:os]absent[else]present[endif]")).toBe("present");
    expect(expandTemplate("[if prompt:cwd]x[endif]", { "prompt:cwd": " \n\t" })).toBe("");
  });

  it("nests in both branches", () => {
    const template =
      "[if system:os]A[if git:branch]B[if !git:status]C[endif][else]D[endif][else]E[if prompt:cwd]F[endif][endif]";
    expect(expand(template)).toBe("ABC");
    expect(expandTemplate(template, { "system:os": "x", "git:status": "M a" })).toBe("AD");
    expect(expandTemplate(template, { "prompt:cwd": "/" })).toBe("EF");
    expect(expandTemplate(template, {})).toBe("E");
  });

  it("passes unmatched control tags through literally and still renders what they enclose", () => {
    expect(expand("a[endif]b[else]c")).toBe("a[endif]b[else]c");
    expect(expand("[if system:os]x[system:os]")).toBe("[if system:os]xLinux");
    expect(expand("[if system:none]x[else]y")).toBe("[if system:none]x[else]y");
    expect(expand("[if system:os]a[else]b[else]c[endif]")).toBe("a");
    expect(expand("[if system:none]a[else]b[else]c[endif]")).toBe("b[else]c");
    expect(expand("[if system:os]a[endif][endif]")).toBe("a[endif]");
    expect(expand("[if other:thing]a[endif]")).toBe("[if other:thing]a[endif]");
  });

  it("drops the line of a control tag that stands alone on it, and nothing else", () => {
    const template = "start\n  [if system:os]\nline [system:os]\n[else]\nother\n\t[endif]  \nend\n";
    expect(expand(template)).toBe("start\nline Linux\nend\n");
    expect(expandTemplate(template, {})).toBe("start\nother\nend\n");
    expect(expand("a [if system:os]b[endif] c\n")).toBe("a b c\n");
    expect(expand("[if system:os]\r\nwin\r\n[endif]\r\nnext")).toBe("win\r\nnext");
    expect(expand("x\n[endif]\ny")).toBe("x\n[endif]\ny");
  });
});

describe("templateKeys", () => {
  it("lists every key once, conditions included, in order of appearance", () => {
    const nodes = parseTemplate("[git:branch][if !file:a.md][system:os][else][file:a.md][endif][git:branch]");
    expect(templateKeys(nodes)).toEqual(["git:branch", "file:a.md", "system:os"]);
    expect(templateKeys(parseTemplate("[Note: x] a[i:j]"))).toEqual([]);
  });
});

describe("DEFAULT_TEMPLATE", () => {
  const base = {
    "prompt:cwd": "/src/app",
    "system:os": "Linux 6.1 (x64)",
    "system:date": "2026-11-22",
    "prompt:model": "local/qwen3",
  };

  it("uses only catalog variables and renders without tags or blank-line runs", () => {
    expect(templateKeys(parseTemplate(DEFAULT_TEMPLATE))).toContain("project:instructions");
    const plain = expandTemplate(DEFAULT_TEMPLATE, base);
    expect(plain).not.toMatch(/\[(if|else|endif|[a-z]+:)/);
    expect(plain).not.toContain("\n\n\n");
    expect(plain).toContain("- Working directory: /src/app\n- Operating system: Linux 6.1 (x64)");
    expect(plain).not.toContain("Git branch");
    expect(plain).not.toContain("Project instructions");
  });

  it("includes the git branch and the project's instructions when there are some", () => {
    const full = expandTemplate(DEFAULT_TEMPLATE, {
      ...base,
      "git:branch": "main",
      "project:instructions": "Run `make check` before committing.",
    });
    expect(full).toContain("- Date: 2026-11-22\n- Git branch: main\n- Model: local/qwen3");
    expect(full).toMatch(/# Project instructions\n.+\n\nRun `make check` before committing\.\n$/);
  });
});
