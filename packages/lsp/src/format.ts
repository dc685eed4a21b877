/**
 * Readable renderings of navigation results for the `lsp` tool: locations as
 * `path:line:col  <source line>` (paths relative to the cwd), symbol outlines, hover text. Never
 * raw JSON: a model pays for every token it reads.
 */
import { readFileSync, statSync } from "node:fs";
import { clip } from "./diagnostics.ts";
import { displayPath, fromUri } from "./paths.ts";
import type {
  DocumentSymbol,
  Hover,
  Location,
  LocationLink,
  MarkedString,
  SymbolInformation,
} from "./protocol.ts";

/** At most this many locations or symbols are listed; the rest are counted. */
export const MAX_ITEMS = 100;
const MAX_HOVER_CHARS = 4_000;
const MAX_QUOTED_FILE_BYTES = 2 * 1024 * 1024;

const SYMBOL_KINDS = [
  "",
  "file",
  "module",
  "namespace",
  "package",
  "class",
  "method",
  "property",
  "field",
  "constructor",
  "enum",
  "interface",
  "function",
  "variable",
  "constant",
  "string",
  "number",
  "boolean",
  "array",
  "object",
  "key",
  "null",
  "enum member",
  "struct",
  "event",
  "operator",
  "type parameter",
];

/** Reads files' lines once per call (files too large to quote are skipped). */
export function createLineReader(): (path: string) => readonly string[] | undefined {
  const cache = new Map<string, readonly string[] | undefined>();
  return (path) => {
    if (!cache.has(path)) cache.set(path, readLines(path));
    return cache.get(path);
  };
}

function readLines(path: string): readonly string[] | undefined {
  try {
    if (statSync(path).size > MAX_QUOTED_FILE_BYTES) return undefined;
    return readFileSync(path, "utf8").split(/\r?\n/);
  } catch {
    return undefined;
  }
}

/** Any definition-shaped answer as plain locations. */
export function toLocations(result: Location | Location[] | LocationLink[] | null | undefined): Location[] {
  if (result === null || result === undefined) return [];
  const list: (Location | LocationLink)[] = Array.isArray(result) ? result : [result];
  return list.map((item) =>
    "targetUri" in item
      ? { uri: item.targetUri, range: item.targetSelectionRange ?? item.targetRange }
      : item,
  );
}

/** `title (n):` then one `path:line:col  source` line per location, sorted by path and position. */
export function formatLocations(
  title: string,
  locations: readonly Location[],
  cwd: string,
  lines: (path: string) => readonly string[] | undefined,
): string {
  if (locations.length === 0) return `${title}: none found.`;
  const rows = locations
    .map((location) => ({ path: fromUri(location.uri), uri: location.uri, start: location.range.start }))
    .sort((a, b) => (a.path ?? a.uri).localeCompare(b.path ?? b.uri) || a.start.line - b.start.line);
  const out = [`${title} (${rows.length}):`];
  for (const row of rows.slice(0, MAX_ITEMS)) {
    const where = `${row.path === undefined ? row.uri : displayPath(row.path, cwd)}:${row.start.line + 1}:${row.start.character + 1}`;
    const source = row.path === undefined ? undefined : lines(row.path)?.[row.start.line]?.trim();
    out.push(source === undefined || source === "" ? where : `${where}  ${clip(source, 160)}`);
  }
  if (rows.length > MAX_ITEMS) out.push(`…and ${rows.length - MAX_ITEMS} more`);
  return out.join("\n");
}

/** Hover contents as text (markdown kept: it reads well). */
export function formatHover(hover: Hover | null | undefined): string | undefined {
  if (hover === null || hover === undefined) return undefined;
  const parts = Array.isArray(hover.contents) ? hover.contents : [hover.contents];
  const text = parts
    .map((part: MarkedString | { kind: string; value: string }) => {
      if (typeof part === "string") return part;
      if ("language" in part) return `\`\`\`${part.language}\n${part.value}\n\`\`\``;
      return part.value;
    })
    .filter((part) => part.trim() !== "")
    .join("\n\n")
    .trim();
  if (text === "") return undefined;
  return text.length > MAX_HOVER_CHARS ? `${text.slice(0, MAX_HOVER_CHARS)}\n…(hover text truncated)` : text;
}

/** An outline: one `kind name  line:col` per symbol, children indented. */
export function formatDocumentSymbols(symbols: readonly (DocumentSymbol | SymbolInformation)[]): string[] {
  const out: string[] = [];
  const visit = (symbol: DocumentSymbol | SymbolInformation, depth: number): void => {
    if (out.length >= MAX_ITEMS) return;
    const start = "selectionRange" in symbol ? symbol.selectionRange.start : symbol.location.range?.start;
    const where = start === undefined ? "" : `  ${start.line + 1}:${start.character + 1}`;
    const detail =
      "detail" in symbol && symbol.detail ? ` — ${clip(symbol.detail.replace(/\s+/g, " "), 80)}` : "";
    out.push(`${"  ".repeat(depth)}${kindName(symbol.kind)} ${symbol.name}${where}${detail}`);
    if ("children" in symbol) for (const child of symbol.children ?? []) visit(child, depth + 1);
  };
  for (const symbol of symbols) visit(symbol, 0);
  return out;
}

/** Workspace symbols: `kind name  path:line:col (in container)`. */
export function formatWorkspaceSymbols(symbols: readonly SymbolInformation[], cwd: string): string[] {
  const rows = symbols.slice(0, MAX_ITEMS).map((symbol) => {
    const path = fromUri(symbol.location.uri);
    const start = symbol.location.range?.start;
    const file = path === undefined ? symbol.location.uri : displayPath(path, cwd);
    const where = start === undefined ? file : `${file}:${start.line + 1}:${start.character + 1}`;
    const container = symbol.containerName ? ` (in ${symbol.containerName})` : "";
    return `${kindName(symbol.kind)} ${symbol.name}  ${where}${container}`;
  });
  if (symbols.length > MAX_ITEMS) rows.push(`…and ${symbols.length - MAX_ITEMS} more`);
  return rows;
}

function kindName(kind: number): string {
  return SYMBOL_KINDS[kind] || "symbol";
}

/** The identifier under a 0-based position, for titles (`references to \`foo\``). */
export function wordAt(line: string | undefined, character: number): string | undefined {
  if (line === undefined) return undefined;
  const pattern = /[\p{L}\p{N}_$]+/gu;
  for (const match of line.matchAll(pattern)) {
    const start = match.index ?? 0;
    if (character >= start && character <= start + match[0].length) return match[0];
  }
  return undefined;
}
