/**
 * The `lsp` tool: diagnostics, hover, definition, references, documentSymbol and workspaceSymbol
 * through the language servers configured for the turn's cwd. Paths are contained like every file
 * tool's; answers are compact text (`path:line:col  source line`), never raw protocol JSON.
 */
import type { Tool, ToolResult } from "@dispatch/kernel";
import {
  type ContainmentOptions,
  createScope,
  defineTool,
  resolveInside,
  ToolFailure,
  withTimeout,
  withTurnRoots,
} from "@dispatch/tool-kit";
import { z } from "zod";
import type { LspClient } from "./client.ts";
import { countLabel, errorsAndWarnings, formatList, mergeDiagnostics, plural } from "./diagnostics.ts";
import type { LspEngine, ServerSlot } from "./engine.ts";
import { readText } from "./engine.ts";
import { seconds } from "./errors.ts";
import {
  createLineReader,
  formatDocumentSymbols,
  formatHover,
  formatLocations,
  formatWorkspaceSymbols,
  toLocations,
  wordAt,
} from "./format.ts";
import { toUri } from "./paths.ts";
import type { Diagnostic, ServerCapabilities, SymbolInformation } from "./protocol.ts";

/**
 * The request types (they need vscode-jsonrpc). Loaded when a request is sent: a client is
 * running by then, so the module is loaded already; the daemon does not load it at start.
 */
const messages = () => import("./protocol.ts");

/** Options of `createLspTool`. */
export interface LspToolOptions {
  engine: LspEngine;
  /** The whole call's time limit, server start included. */
  timeoutMs: number;
  containment?: ContainmentOptions;
}

const OPERATIONS = [
  "diagnostics",
  "hover",
  "definition",
  "references",
  "documentSymbol",
  "workspaceSymbol",
] as const;
type Operation = (typeof OPERATIONS)[number];
const AT_POSITION: readonly Operation[] = ["hover", "definition", "references"];

const input = z
  .strictObject({
    operation: z.enum(OPERATIONS).describe("What to ask the language server."),
    path: z
      .string()
      .min(1)
      .optional()
      .describe("The file, relative to the working directory. Required except for workspaceSymbol."),
    line: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("1-based line. Required for hover, definition, references."),
    character: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("1-based column of a character in the symbol. Required for hover, definition, references."),
    query: z.string().min(1).optional().describe("Symbol name or prefix to search for (workspaceSymbol)."),
  })
  .superRefine((args, ctx) => {
    if (args.operation !== "workspaceSymbol" && args.path === undefined) {
      ctx.addIssue({ code: "custom", path: ["path"], message: `required for ${args.operation}` });
    }
    if (AT_POSITION.includes(args.operation)) {
      for (const key of ["line", "character"] as const) {
        if (args[key] === undefined)
          ctx.addIssue({ code: "custom", path: [key], message: `required for ${args.operation}` });
      }
    }
    if (args.operation === "workspaceSymbol" && args.query === undefined) {
      ctx.addIssue({ code: "custom", path: ["query"], message: "required for workspaceSymbol" });
    }
  });
type Args = z.output<typeof input>;

const DESCRIPTION = `Ask the project's language server (TypeScript, Python, Go, Rust, C/C++ when installed) about code.
- diagnostics {path}: current errors and warnings of a file.
- hover {path, line, character}: type and documentation of the symbol there.
- definition {path, line, character}: where the symbol there is defined.
- references {path, line, character}: every use of the symbol there.
- documentSymbol {path}: outline of a file.
- workspaceSymbol {query, path?}: find symbols by name across the project.
Lines and columns are 1-based. Results list path:line:column with the source line.`;

/** The `lsp` tool. */
export function createLspTool(options: LspToolOptions): Tool {
  return defineTool({
    name: "lsp",
    description: DESCRIPTION,
    input,
    concurrencySafe: true,
    async execute(args, context) {
      const signal = withTimeout(context.signal, options.timeoutMs);
      const deadline = Date.now() + options.timeoutMs;
      const containment = withTurnRoots(options.containment ?? {}, context.roots);
      if (args.path === undefined) {
        const scope = await createScope(context.cwd, containment);
        const clients = options.engine.running(scope.cwd);
        if (clients.length === 0) {
          throw new ToolFailure(
            "NO_SERVER",
            "No language server is running for this directory yet. Pass `path` (any source file of the project) so the right server starts.",
          );
        }
        return workspaceSymbols({ query: args.query ?? "", cwd: scope.cwd, clients, problems: [], signal });
      }
      const resolved = await resolveInside(context.cwd, args.path, containment);
      if (resolved.kind !== "file")
        throw new ToolFailure("NOT_A_FILE", `"${args.path}" is a directory; pass a file.`);
      const cwd = resolved.scope.cwd;
      const slots = await options.engine.slots(resolved.real, cwd, deadline, signal);
      if (slots.length === 0) throw noServer(options.engine, cwd, resolved.display);
      const call: Call = {
        args,
        path: resolved.real,
        file: resolved.display,
        cwd,
        slots,
        deadline,
        signal,
        options,
      };
      if (args.operation === "diagnostics") return diagnostics(call);
      if (args.operation === "workspaceSymbol") return symbolsNear(call);
      return navigate(call);
    },
  });
}

interface Call {
  args: Args;
  path: string;
  file: string;
  cwd: string;
  slots: ServerSlot[];
  deadline: number;
  signal: AbortSignal;
  options: LspToolOptions;
}

async function diagnostics(call: Call): Promise<string | ToolResult> {
  const text = await readText(call.path);
  if (text === undefined)
    throw new ToolFailure("NOT_READABLE", `"${call.file}" could not be read (missing or over 4 MiB).`);
  const out: string[] = [];
  const found: Diagnostic[][] = [];
  let complete = true;
  const names: string[] = [];
  for (const slot of call.slots) {
    if (slot.kind !== "ready") {
      out.push(`${slot.server.name}: ${slot.reason}.`);
      continue;
    }
    const sync = await slot.client.syncFile(call.path, text, true);
    const result = await slot.client.diagnostics(sync, call.deadline, call.signal);
    complete &&= result.complete;
    found.push(result.items);
    names.push(slot.server.name);
  }
  if (names.length === 0) return { content: out.join("\n"), isError: true };
  const all = mergeDiagnostics(...found);
  const shown = errorsAndWarnings(all);
  const hidden = all.length - shown.length;
  const head =
    shown.length === 0
      ? `${call.file}: no errors or warnings (${names.join(", ")}).`
      : `${call.file}: ${countLabel(shown)} (${names.join(", ")}):`;
  out.unshift(head, ...formatList(shown, { lines: text.split(/\r?\n/) }));
  if (hidden > 0) out.push(`(${plural(hidden, "hint or info message")} not shown)`);
  if (!complete)
    out.push(
      `(the server had not finished checking within ${seconds(call.options.timeoutMs)}; run again for a complete list)`,
    );
  return out.join("\n");
}

/** workspaceSymbol with a path: the file's servers, started if needed, with the file open. */
async function symbolsNear(call: Call): Promise<string> {
  const text = await readText(call.path);
  const clients: LspClient[] = [];
  const problems: string[] = [];
  for (const slot of call.slots) {
    if (slot.kind !== "ready") {
      problems.push(`${slot.server.name}: ${slot.reason}`);
      continue;
    }
    if (text !== undefined) await slot.client.syncFile(call.path, text).catch(() => undefined);
    clients.push(slot.client);
  }
  return workspaceSymbols({
    query: call.args.query ?? "",
    cwd: call.cwd,
    clients,
    problems,
    signal: call.signal,
  });
}

const CAPABILITY: Record<"hover" | "definition" | "references" | "documentSymbol", keyof ServerCapabilities> =
  {
    hover: "hoverProvider",
    definition: "definitionProvider",
    references: "referencesProvider",
    documentSymbol: "documentSymbolProvider",
  };

async function navigate(call: Call): Promise<string> {
  const operation = call.args.operation as keyof typeof CAPABILITY;
  const text = await readText(call.path);
  if (text === undefined)
    throw new ToolFailure("NOT_READABLE", `"${call.file}" could not be read (missing or over 4 MiB).`);
  const lines = createLineReader();
  const position = { line: (call.args.line ?? 1) - 1, character: (call.args.character ?? 1) - 1 };
  const symbol = wordAt(text.split(/\r?\n/)[position.line], position.character);
  const where = `${call.file}:${position.line + 1}:${position.character + 1}${symbol ? ` (\`${symbol}\`)` : ""}`;
  const problems: string[] = [];
  for (const slot of call.slots) {
    if (slot.kind !== "ready") {
      problems.push(`${slot.server.name}: ${slot.reason}`);
      continue;
    }
    if (!slot.client.capabilities[CAPABILITY[operation]]) continue;
    try {
      await slot.client.syncFile(call.path, text);
      const answer = await ask(slot.client, operation, call, position, where, lines);
      if (answer !== undefined) return answer;
    } catch (err) {
      problems.push(`${slot.server.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (problems.length > 0)
    throw new ToolFailure("LSP_FAILED", `No answer for ${operation} at ${where}:\n${problems.join("\n")}`);
  return operation === "documentSymbol"
    ? `No symbols in ${call.file}.`
    : `No ${operation} found at ${where}.`;
}

async function ask(
  client: LspClient,
  operation: keyof typeof CAPABILITY,
  call: Call,
  position: { line: number; character: number },
  where: string,
  lines: ReturnType<typeof createLineReader>,
): Promise<string | undefined> {
  const textDocument = { uri: toUri(call.path) };
  const { DefinitionRequest, DocumentSymbolRequest, HoverRequest, ReferencesRequest } = await messages();
  if (operation === "hover") {
    return formatHover(await client.request(HoverRequest, { textDocument, position }, call.signal));
  }
  if (operation === "definition") {
    const found = toLocations(
      await client.request(DefinitionRequest, { textDocument, position }, call.signal),
    );
    return found.length === 0 ? undefined : formatLocations(`Definition of ${where}`, found, call.cwd, lines);
  }
  if (operation === "references") {
    const params = { textDocument, position, context: { includeDeclaration: true } };
    const found = (await client.request(ReferencesRequest, params, call.signal)) ?? [];
    return found.length === 0 ? undefined : formatLocations(`References to ${where}`, found, call.cwd, lines);
  }
  const symbols = (await client.request(DocumentSymbolRequest, { textDocument }, call.signal)) ?? [];
  return symbols.length === 0
    ? undefined
    : [`Symbols in ${call.file}:`, ...formatDocumentSymbols(symbols)].join("\n");
}

interface SymbolSearch {
  query: string;
  cwd: string;
  clients: LspClient[];
  problems: string[];
  signal: AbortSignal;
}

async function workspaceSymbols(search: SymbolSearch): Promise<string> {
  const { WorkspaceSymbolRequest } = await messages();
  const found = new Map<string, SymbolInformation>();
  const problems = [...search.problems];
  for (const client of search.clients) {
    if (!client.capabilities.workspaceSymbolProvider) continue;
    try {
      const symbols =
        (await client.request(WorkspaceSymbolRequest, { query: search.query }, search.signal)) ?? [];
      for (const symbol of symbols) {
        const start = symbol.location.range?.start;
        found.set(`${symbol.name}|${symbol.location.uri}|${start?.line}|${start?.character}`, symbol);
      }
    } catch (err) {
      problems.push(`${client.server.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (found.size === 0 && problems.length > 0) {
    throw new ToolFailure("LSP_FAILED", `No answer for workspaceSymbol:\n${problems.join("\n")}`);
  }
  if (found.size === 0) return `No symbols matching "${search.query}".`;
  const query = search.query.toLowerCase();
  const rank = (symbol: SymbolInformation) => {
    const name = symbol.name.toLowerCase();
    return name === query ? 0 : name.startsWith(query) ? 1 : 2;
  };
  const sorted = [...found.values()].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  return [
    `Symbols matching "${search.query}" (${sorted.length}):`,
    ...formatWorkspaceSymbols(sorted, search.cwd),
  ].join("\n");
}

function noServer(engine: LspEngine, cwd: string, file: string): ToolFailure {
  const servers = engine.configured(cwd);
  const list =
    servers.length === 0
      ? "none is configured or installed for this directory"
      : `configured: ${servers.map((server) => `${server.name} (${server.extensions.join(" ")})`).join("; ")}`;
  return new ToolFailure("NO_SERVER", `No language server handles "${file}" (${list}).`);
}
