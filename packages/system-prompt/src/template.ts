/**
 * The template language of system prompts, pure: `[type:name]` inserts a variable,
 * `[if type:name] … [else] … [endif]` (and `[if !type:name]`) choose by whether the variable has
 * non-blank text, nestable. Unmatched control tags, and tags of unknown types, pass through
 * literally. A control tag alone on its line takes the whole line with it, so blocks leave no gaps.
 */
import { VARIABLE_TYPES } from "./catalog.ts";

/** A parsed template. Keys are `type:name` with the name trimmed. */
export type TemplateNode =
  | { kind: "text"; text: string }
  | { kind: "variable"; key: string }
  | ConditionalNode;

/** `[if …] body [else] otherwise [endif]`; an unclosed one renders literally. */
export interface ConditionalNode {
  kind: "if";
  key: string;
  negated: boolean;
  body: TemplateNode[];
  otherwise: TemplateNode[] | null;
  closed: boolean;
  /** The source of the `[if]` and `[else]` tags (with their line when standalone), for literal output. */
  raw: string;
  elseRaw: string;
}

type Tag =
  | { kind: "variable"; key: string }
  | { kind: "if"; key: string; negated: boolean }
  | { kind: "else" }
  | { kind: "endif" };
type Token = { kind: "text"; text: string } | (Tag & { raw: string });

/** Where a variable's text comes from; `undefined` inserts nothing. */
export type VariableLookup = (key: string) => string | undefined;

/** Parses a template. `types` are the tag types recognized (default: the catalog's). */
export function parseTemplate(template: string, types: ReadonlySet<string> = VARIABLE_TYPES): TemplateNode[] {
  const root: TemplateNode[] = [];
  const open: ConditionalNode[] = [];
  let current = root;
  for (const token of tokenize(template, types)) {
    if (token.kind === "text") current.push({ kind: "text", text: token.text });
    else if (token.kind === "variable") current.push({ kind: "variable", key: token.key });
    else if (token.kind === "if") {
      const node: ConditionalNode = { ...token, body: [], otherwise: null, closed: false, elseRaw: "" };
      current.push(node);
      open.push(node);
      current = node.body;
    } else if (token.kind === "else") {
      const top = open.at(-1);
      if (top && top.otherwise === null) {
        top.otherwise = [];
        top.elseRaw = token.raw;
        current = top.otherwise;
      } else current.push({ kind: "text", text: token.raw });
    } else {
      const top = open.pop();
      if (!top) current.push({ kind: "text", text: token.raw });
      else {
        top.closed = true;
        const parent = open.at(-1);
        current = parent ? (parent.otherwise ?? parent.body) : root;
      }
    }
  }
  return root;
}

/** Renders parsed nodes. A condition holds when its variable has non-blank text. */
export function renderTemplate(nodes: readonly TemplateNode[], lookup: VariableLookup): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.text;
    else if (node.kind === "variable") out += lookup(node.key) ?? "";
    else if (!node.closed) {
      out += node.raw + renderTemplate(node.body, lookup);
      if (node.otherwise) out += node.elseRaw + renderTemplate(node.otherwise, lookup);
    } else {
      const holds = (lookup(node.key) ?? "").trim() !== "";
      out += renderTemplate((holds !== node.negated ? node.body : node.otherwise) ?? [], lookup);
    }
  }
  return out;
}

/** Every variable key the nodes use (insertions and conditions), once each, in order of appearance. */
export function templateKeys(nodes: readonly TemplateNode[]): string[] {
  const keys = new Set<string>();
  const visit = (list: readonly TemplateNode[]) => {
    for (const node of list) {
      if (node.kind === "variable") keys.add(node.key);
      if (node.kind !== "if") continue;
      keys.add(node.key);
      visit(node.body);
      if (node.otherwise) visit(node.otherwise);
    }
  };
  visit(nodes);
  return [...keys];
}

/** Parses and renders in one call, with values from a record (absent keys insert nothing). */
export function expandTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return renderTemplate(parseTemplate(template), (key) =>
    Object.hasOwn(values, key) ? values[key] : undefined,
  );
}

const IF_TAG = /^if\s+(!?)\s*([a-z_]+):(.+)$/;
const VARIABLE_TAG = /^([a-z_]+):(.+)$/;

function classify(content: string, types: ReadonlySet<string>): Tag | null {
  const text = content.trim();
  if (text === "else") return { kind: "else" };
  if (text === "endif") return { kind: "endif" };
  const condition = IF_TAG.exec(text);
  if (condition) {
    const [, bang = "", type = "", name = ""] = condition;
    return types.has(type) ? { kind: "if", key: `${type}:${name.trim()}`, negated: bang === "!" } : null;
  }
  const variable = VARIABLE_TAG.exec(text);
  const [, type = "", name = ""] = variable ?? [];
  return variable && types.has(type) ? { kind: "variable", key: `${type}:${name.trim()}` } : null;
}

function tokenize(template: string, types: ReadonlySet<string>): Token[] {
  const tokens: Token[] = [];
  let text = "";
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf("[", at);
    if (open === -1) break;
    text += template.slice(at, open);
    const close = template.indexOf("]", open + 1);
    const tag = close === -1 ? null : classify(template.slice(open + 1, close), types);
    if (!tag) {
      text += "[";
      at = open + 1;
      continue;
    }
    let start = open;
    at = close + 1;
    const line = tag.kind === "variable" ? null : standaloneLine(template, open, at);
    if (line) {
      // The line's leading blanks are the tail of `text` (anything else on the line would not be blank).
      text = text.slice(0, text.length - (open - line.start));
      start = line.start;
      at = line.end;
    }
    if (text) tokens.push({ kind: "text", text });
    text = "";
    tokens.push({ ...tag, raw: template.slice(start, at) });
  }
  text += template.slice(at);
  if (text) tokens.push({ kind: "text", text });
  return tokens;
}

/** The line around a tag (through its newline) when the tag is the only thing on it. */
function standaloneLine(template: string, open: number, end: number): { start: number; end: number } | null {
  const start = template.lastIndexOf("\n", open - 1) + 1;
  const newline = template.indexOf("\n", end);
  const lineEnd = newline === -1 ? template.length : newline;
  const blank = /^[ \t\r]*$/;
  if (!blank.test(template.slice(start, open)) || !blank.test(template.slice(end, lineEnd))) return null;
  return { start, end: newline === -1 ? lineEnd : newline + 1 };
}
