/**
 * Pure command-line parsing: argv in, a typed `Invocation` out, or a usage `CliError` that names
 * the mistake and shows the command's usage line. Flags are parsed by `node:util`'s `parseArgs`;
 * this file adds the command table, value checks and the messages.
 */

import { parseArgs } from "node:util";
import type { ConversationStatus, ReasoningEffort } from "@dispatch/transport-contract";
import { CliError, EXIT, usageError } from "./errors.ts";
import { COMMAND_NAMES, type CommandName, USAGE_LINES, usageText } from "./help.ts";
import { closest } from "./suggest.ts";

/** Flags valid for every command. */
export interface GlobalFlags {
  server?: string;
  json: boolean;
  noColor: boolean;
}

/** What the user asked for. */
export type Command =
  | { kind: "usage" }
  | { kind: "help"; topic?: CommandName | "turn" }
  | { kind: "models" }
  | { kind: "list"; prefix?: string; status?: ConversationStatus[] }
  | { kind: "stop" | "compact" | "read" | "open"; id: string }
  | {
      kind: "send";
      id: string;
      /** `undefined`: read the message from stdin. */
      text?: string;
      queue: boolean;
      open: boolean;
      cwd?: string;
      effort?: ReasoningEffort;
      workspace?: string;
    }
  | { kind: "attach"; id: string; showReasoning: boolean }
  | { kind: "status" }
  | { kind: "doctor" }
  | {
      kind: "turn";
      model: string;
      text?: string;
      files: string[];
      cwd?: string;
      conversation?: string;
      effort?: ReasoningEffort;
      workspace?: string;
      showReasoning: boolean;
      open: boolean;
    };

/** A parsed command line. */
export interface Invocation {
  command: Command;
  global: GlobalFlags;
}

type OptionSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  server: { type: "string" },
  json: { type: "boolean" },
  "no-color": { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

const TURN_OPTIONS: Record<string, OptionSpec> = {
  text: { type: "string" },
  file: { type: "string", multiple: true },
  cwd: { type: "string" },
  conversation: { type: "string" },
  effort: { type: "string" },
  workspace: { type: "string" },
  "show-reasoning": { type: "boolean" },
  open: { type: "boolean" },
};

/** Each command's own flags and positional names (`?` = optional). */
const COMMANDS: Record<CommandName | "turn", { options: Record<string, OptionSpec>; positionals: string[] }> =
  {
    models: { options: {}, positionals: [] },
    list: { options: { status: { type: "string" }, all: { type: "boolean" } }, positionals: ["prefix?"] },
    stop: { options: {}, positionals: ["conversationId"] },
    compact: { options: {}, positionals: ["conversationId"] },
    read: { options: {}, positionals: ["conversationId"] },
    open: { options: {}, positionals: ["conversationId"] },
    send: {
      options: {
        text: { type: "string" },
        queue: { type: "boolean" },
        open: { type: "boolean" },
        cwd: { type: "string" },
        effort: { type: "string" },
        workspace: { type: "string" },
      },
      positionals: ["conversationId"],
    },
    attach: { options: { "show-reasoning": { type: "boolean" } }, positionals: ["conversationId"] },
    status: { options: {}, positionals: [] },
    doctor: { options: {}, positionals: [] },
    help: { options: {}, positionals: ["command?"] },
    turn: { options: TURN_OPTIONS, positionals: ["modelName"] },
  };

/** Reasoning effort levels, lowest first. */
export const EFFORT_LEVELS: readonly ReasoningEffort[] = ["low", "medium", "high", "xhigh", "max"];
const STATUSES: readonly ConversationStatus[] = ["active", "queued", "idle", "closed"];

/** Parses the arguments after the program name. Throws a usage `CliError`. */
export function parseCommandLine(argv: readonly string[]): Invocation {
  const name = commandOf(argv);
  const spec = COMMANDS[name];
  const usage = USAGE_LINES[name];
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...GLOBAL_OPTIONS, ...spec.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw usageError(flagMessage(err, name, spec.options), usage);
  }
  const { values } = parsed;
  const global: GlobalFlags = {
    json: values.json === true,
    noColor: values["no-color"] === true,
    ...(typeof values.server === "string" ? { server: values.server } : {}),
  };
  const positionals = name === "turn" ? parsed.positionals : parsed.positionals.slice(1);
  if (values.help === true) {
    return {
      command: argv.length === 1 || name === "help" ? { kind: "usage" } : { kind: "help", topic: name },
      global,
    };
  }
  if (argv.length === 0) throw new CliError(EXIT.USAGE, "no command given.", [usageText()]);
  checkPositionals(positionals, spec.positionals, name);
  return { command: buildCommand(name, positionals, values), global };
}

/** The command named by the first positional argument (`turn` for a model name). */
function commandOf(argv: readonly string[]): CommandName | "turn" {
  const first = firstPositional(argv);
  if (first === undefined) return "help";
  if ((COMMAND_NAMES as readonly string[]).includes(first)) return first as CommandName;
  if (first.includes("/")) return "turn";
  const guess = closest(first, COMMAND_NAMES);
  throw usageError(
    `unknown command "${first}".${guess ? ` Did you mean "${guess}"?` : ""} A model name looks like ` +
      "<credential>/<model>, e.g. opencode/deepseek-v4-flash (see 'dispatch models').",
  );
}

/** The first argument that is neither a flag nor a string flag's value. */
function firstPositional(argv: readonly string[]): string | undefined {
  const stringFlags = new Set<string>();
  for (const spec of [GLOBAL_OPTIONS, ...Object.values(COMMANDS).map((c) => c.options)]) {
    for (const [flag, option] of Object.entries(spec))
      if (option.type === "string") stringFlags.add(`--${flag}`);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") return argv[i + 1];
    if (arg.startsWith("-")) {
      if (stringFlags.has(arg)) i++;
      continue;
    }
    return arg;
  }
  return undefined;
}

function checkPositionals(given: string[], expected: string[], name: CommandName | "turn"): void {
  const required = expected.filter((p) => !p.endsWith("?"));
  const usage = USAGE_LINES[name];
  if (given.length < required.length) {
    throw usageError(`missing <${required[given.length]}>.`, usage);
  }
  if (given.length > expected.length) {
    const extra = given[expected.length] ?? "";
    const hint =
      name === "turn" || name === "send" ? ' Quote the message and pass it with --text "...".' : "";
    throw usageError(`unexpected argument "${extra}".${hint}`, usage);
  }
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function buildCommand(name: CommandName | "turn", args: string[], values: Values): Command {
  const str = (key: string) => (typeof values[key] === "string" ? (values[key] as string) : undefined);
  const bool = (key: string) => values[key] === true;
  const id = args[0] ?? "";
  switch (name) {
    case "help":
      return args[0] === undefined ? { kind: "usage" } : { kind: "help", topic: helpTopic(args[0]) };
    case "models":
    case "status":
    case "doctor":
      return { kind: name };
    case "list":
      return { kind: "list", ...optional("prefix", args[0]), ...listStatus(str("status"), bool("all")) };
    case "stop":
    case "compact":
    case "read":
    case "open":
      return { kind: name, id };
    case "attach":
      return { kind: "attach", id, showReasoning: bool("show-reasoning") };
    case "send":
      return {
        kind: "send",
        id,
        queue: bool("queue"),
        open: bool("open"),
        ...message(str("text")),
        ...optional("cwd", nonEmpty(str("cwd"), "--cwd", name)),
        ...optional("effort", effort(str("effort"), name)),
        ...optional("workspace", nonEmpty(str("workspace"), "--workspace", name)),
      };
    case "turn":
      return {
        kind: "turn",
        model: modelName(id),
        files: Array.isArray(values.file)
          ? values.file.filter((f): f is string => typeof f === "string")
          : [],
        showReasoning: bool("show-reasoning"),
        open: bool("open"),
        ...message(str("text")),
        ...optional("cwd", nonEmpty(str("cwd"), "--cwd", name)),
        ...optional("conversation", nonEmpty(str("conversation"), "--conversation", name)),
        ...optional("effort", effort(str("effort"), name)),
        ...optional("workspace", nonEmpty(str("workspace"), "--workspace", name)),
      };
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** `--text -` means stdin, as does no `--text` at all. */
function message(text: string | undefined): { text?: string } {
  return text === undefined || text === "-" ? {} : { text };
}

function nonEmpty(value: string | undefined, flag: string, name: CommandName | "turn"): string | undefined {
  if (value !== undefined && value.trim() === "")
    throw usageError(`${flag} needs a non-empty value.`, USAGE_LINES[name]);
  return value;
}

function effort(value: string | undefined, name: CommandName | "turn"): ReasoningEffort | undefined {
  if (value === undefined) return undefined;
  if ((EFFORT_LEVELS as readonly string[]).includes(value)) return value as ReasoningEffort;
  throw usageError(
    `--effort must be one of ${EFFORT_LEVELS.join(", ")} (got "${value}").`,
    USAGE_LINES[name],
  );
}

function listStatus(status: string | undefined, all: boolean): { status?: ConversationStatus[] } {
  if (status !== undefined && all)
    throw usageError("use either --status or --all, not both.", USAGE_LINES.list);
  if (all) return {};
  if (status === undefined) return { status: ["active", "queued", "idle"] };
  if ((STATUSES as readonly string[]).includes(status)) return { status: [status as ConversationStatus] };
  throw usageError(`--status must be one of ${STATUSES.join(", ")} (got "${status}").`, USAGE_LINES.list);
}

function modelName(value: string): string {
  const slash = value.indexOf("/");
  if (slash <= 0 || slash === value.length - 1) {
    throw usageError(
      `"${value}" is not a model name: it must be <credential>/<model>, e.g. opencode/deepseek-v4-flash (see 'dispatch models').`,
      USAGE_LINES.turn,
    );
  }
  return value;
}

function helpTopic(value: string): CommandName | "turn" {
  if ((COMMAND_NAMES as readonly string[]).includes(value)) return value as CommandName;
  if (value.includes("/") || value === "turn" || value === "model") return "turn";
  const guess = closest(value, COMMAND_NAMES);
  throw usageError(`no help for "${value}".${guess ? ` Did you mean "${guess}"?` : ""}`, USAGE_LINES.help);
}

/** Rewords `parseArgs` errors for one command. */
function flagMessage(err: unknown, name: CommandName | "turn", options: Record<string, OptionSpec>): string {
  const text = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  const flag = /'(-{1,2}[^' ]+)/.exec(text)?.[1] ?? "";
  const where = name === "turn" ? "a model turn" : `'dispatch ${name}'`;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const known = [...Object.keys(options), ...Object.keys(GLOBAL_OPTIONS)];
    const guess = closest(flag.replace(/^-+/, ""), known);
    return `unknown option ${flag} for ${where}.${guess ? ` Did you mean --${guess}?` : ""}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (/argument missing|ambiguous/.test(text)) return `${flag} needs a value.`;
    if (/does not take an argument/.test(text)) return `${flag} is a switch and takes no value.`;
  }
  return text.split("\n")[0] ?? text;
}
