/**
 * The `trace` command line: list recent turns, show a turn as a timeline, print a body, and diff two
 * request bodies (two record ids, or two steps of a turn) to find what busted the prompt cache.
 * Pure over injected output functions; `bin.ts` wires it to the process.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { unifiedDiff } from "./line-diff.ts";
import { createTraceStore, type TraceRecord, type TraceStore } from "./store.ts";
import {
  buildSpanTree,
  formatDuration,
  formatTimeline,
  formatTokens,
  type SpanNode,
  shortId,
} from "./timeline.ts";

/** Where the CLI writes and which database it reads. */
export interface TraceCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Used unless `--db` is given. */
  dbPath: string;
}

/** Usage text. */
export const TRACE_USAGE = `usage: trace [--db <path>] <command>
  turns [--conversation <id>] [--limit N]     recent turns, newest first
  show <turnId>                               timeline of a turn (ids may be shortened)
  body <recordId|hash>                        print a stored body
  diff <recordIdA> <recordIdB>                diff two bodies (pretty-printed JSON)
  diff --turn <turnId> --steps <i> <j> [--span provider.request|prompt]
                                              diff the request bodies of two steps
`;

class UsageError extends Error {}

/** Runs one `trace` command; returns the exit code (0 ok, 1 not found, 2 usage). */
export function runTraceCli(argv: readonly string[], io: TraceCliIo): number {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n${TRACE_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || !command) {
    (values.help ? io.stdout : io.stderr)(TRACE_USAGE);
    return values.help ? 0 : 2;
  }
  const dbPath = values.db ?? io.dbPath;
  if (!existsSync(dbPath)) {
    io.stderr(`no trace database at ${dbPath} (is the collector running? pass --db <path>)\n`);
    return 1;
  }
  const store = createTraceStore({ path: dbPath });
  try {
    return dispatch(store, command, args, values, io);
  } catch (err) {
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof UsageError) io.stderr(TRACE_USAGE);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    store.close();
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      db: { type: "string" },
      conversation: { type: "string" },
      limit: { type: "string" },
      turn: { type: "string" },
      steps: { type: "string" },
      span: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

type Values = ReturnType<typeof parse>["values"];

function dispatch(
  store: TraceStore,
  command: string,
  args: string[],
  values: Values,
  io: TraceCliIo,
): number {
  switch (command) {
    case "turns":
      io.stdout(listTurns(store, values));
      return 0;
    case "show": {
      const turnId = resolveTurn(store, args[0]);
      io.stdout(formatTimeline(turnId, store.getTurn(turnId)));
      return 0;
    }
    case "body": {
      const id = resolveId(store, args[0]);
      const body = store.getBody(id);
      if (body === null) throw new Error(`${id} has no stored body (none, or evicted by retention)`);
      io.stdout(body.endsWith("\n") ? body : `${body}\n`);
      return 0;
    }
    case "diff":
      io.stdout(values.turn ? diffSteps(store, values, args) : diffRecords(store, args));
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function listTurns(store: TraceStore, values: Values): string {
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer`);
  const turns = store.listTurns({
    limit,
    ...(values.conversation ? { conversationId: values.conversation } : {}),
  });
  if (turns.length === 0) return "no turns\n";
  const rows = turns.map((turn) => [
    new Date(turn.startedAt).toISOString(),
    turn.turnId,
    turn.conversationId ?? "-",
    String(turn.steps),
    turn.durationMs === null ? "-" : formatDuration(turn.durationMs),
    turn.status,
    turn.tokens ? formatTokens(turn.tokens) : "-",
  ]);
  return table(["STARTED", "TURN", "CONVERSATION", "STEPS", "DURATION", "STATUS", "TOKENS"], rows);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

function resolveTurn(store: TraceStore, prefix: string | undefined): string {
  if (!prefix) throw new UsageError("missing <turnId>");
  const matches = store.findTurnIds(prefix, 2);
  if (matches.length === 0) throw new Error(`no turn ${prefix}`);
  if (matches.length > 1 && !matches.includes(prefix)) throw new Error(`turn id ${prefix} is ambiguous`);
  return matches.includes(prefix) ? prefix : (matches[0] ?? prefix);
}

function resolveId(store: TraceStore, prefix: string | undefined): string {
  if (!prefix) throw new UsageError("missing <recordId|hash>");
  const matches = store.findIds(prefix, 2);
  if (matches.length === 0) throw new Error(`no record or body ${prefix}`);
  if (matches.length > 1) throw new Error(`id ${prefix} is ambiguous (${matches.map(shortId).join(", ")}…)`);
  return matches[0] ?? prefix;
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function bodyOf(store: TraceStore, id: string): string {
  const body = store.getBody(id);
  if (body === null) throw new Error(`${shortId(id)} has no stored body (none, or evicted by retention)`);
  return pretty(body);
}

function render(a: { label: string; body: string }, b: { label: string; body: string }): string {
  const diff = unifiedDiff(a.body, b.body, { labelA: a.label, labelB: b.label });
  return diff === "" ? `bodies are identical (${a.label}, ${b.label})\n` : diff;
}

function diffRecords(store: TraceStore, args: string[]): string {
  if (args.length !== 2) throw new UsageError("diff needs two record ids (or --turn <id> --steps <i> <j>)");
  const [a, b] = args.map((arg) => resolveId(store, arg));
  if (a === undefined || b === undefined) throw new UsageError("diff needs two record ids");
  return render({ label: shortId(a), body: bodyOf(store, a) }, { label: shortId(b), body: bodyOf(store, b) });
}

function diffSteps(store: TraceStore, values: Values, args: string[]): string {
  const turnId = resolveTurn(store, values.turn);
  const indexes = [...(values.steps ?? "").split(/[,.]+/), ...args].filter((part) => part !== "").map(Number);
  const [first, second] = indexes;
  if (
    indexes.length !== 2 ||
    first === undefined ||
    second === undefined ||
    !indexes.every(Number.isInteger)
  ) {
    throw new UsageError("--steps needs two step numbers, e.g. --steps 0 1");
  }
  const records = store.getTurn(turnId);
  const steps = [...buildSpanTree(records).spans.values()]
    .filter((node) => node.name === "step")
    .sort((a, b) => a.start - b.start);
  const spanNames = values.span ? [values.span] : ["provider.request", "prompt"];
  const side = (index: number) => {
    const step = steps[index];
    if (!step) throw new Error(`turn ${turnId} has ${steps.length} steps; no step ${index}`);
    const trace = bodyInStep(step, spanNames);
    if (!trace) throw new Error(`step ${index} has no ${spanNames.join(" or ")} body`);
    return { label: `step ${index} ${shortId(trace.id)}`, body: bodyOf(store, trace.id) };
  };
  return render(side(first), side(second));
}

/** The first record with a body among the step's spans named in `names` (preferring earlier names). */
function bodyInStep(step: SpanNode, names: readonly string[]): TraceRecord | undefined {
  const all: SpanNode[] = [];
  const visit = (node: SpanNode) => {
    all.push(node);
    for (const child of node.children) if (child.type === "span") visit(child.node);
  };
  visit(step);
  for (const name of names) {
    for (const node of all) {
      if (node.name !== name) continue;
      const withBody = [node.open, node.close].find((trace) => trace?.bodyHash);
      if (withBody) return withBody;
    }
  }
  return undefined;
}
