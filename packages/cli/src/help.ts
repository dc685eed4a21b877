/**
 * The usage text: one line per command (the reference's usage text plus `attach`, `status`,
 * `doctor` and `--json`), and a longer help per command for `dispatch <command> --help`.
 */

/** Commands with a fixed name; anything containing `/` is a model name. */
export const COMMAND_NAMES = [
  "models",
  "list",
  "stop",
  "compact",
  "read",
  "open",
  "send",
  "attach",
  "status",
  "doctor",
  "help",
] as const;

/** A named command. */
export type CommandName = (typeof COMMAND_NAMES)[number];

/** The usage line of each command, and of a one-shot turn (`turn`). */
export const USAGE_LINES: Record<CommandName | "turn", string> = {
  models: "dispatch models [--server <url>] [--json]",
  list: "dispatch list [<prefix>] [--status <active|queued|idle|closed>] [--all] [--server <url>] [--json]",
  stop: "dispatch stop <conversationId> [--server <url>] [--json]",
  compact: "dispatch compact <conversationId> [--server <url>] [--json]",
  read: "dispatch read <conversationId> [--server <url>] [--json]",
  open: "dispatch open <conversationId> [--server <url>] [--json]",
  send: 'dispatch send <conversationId> --text "..." [--queue] [--open] [--cwd <dir>] [--effort <level>] [--workspace <id>] [--server <url>] [--json]',
  attach: "dispatch attach <conversationId> [--show-reasoning] [--server <url>] [--json]",
  status: "dispatch status [--server <url>] [--json]",
  doctor: "dispatch doctor [--server <url>] [--json]",
  help: "dispatch help [<command>]",
  turn: 'dispatch <modelName> --text "..." [--file <path>] [--cwd <dir>] [--conversation <id>] [--effort <level>] [--workspace <id>] [--server <url>] [--show-reasoning] [--open] [--json]',
};

const DETAILS: Record<CommandName | "turn", string> = {
  models: "Lists the model names you can use, one per line (`<credential>/<model>`).",
  list: [
    "Lists conversations: short id, status, last activity, title. By default active and idle ones;",
    "--all includes closed ones, --status picks one status. <prefix> keeps ids starting with it.",
  ].join("\n"),
  stop: "Stops the running turn of a conversation (it ends with reason `aborted`).",
  compact: "Summarizes the older part of a conversation's history; the full history is kept as an archive.",
  read: "Waits until the running turn (if any) settles, then prints the last assistant message.",
  open: "Asks connected frontends (the web UI) to open the conversation.",
  send: [
    "Sends a message to an existing conversation and prints only the final reply.",
    "  --queue      do not wait: join the running turn as steering, or start a turn when idle",
    "  --open       ask frontends to open the conversation",
    "  --cwd <dir>  working directory for the turn",
    "  --effort     reasoning effort: low, medium, high (default), xhigh, max",
    "  --workspace  workspace id to file the conversation under",
    "--text - (or no --text with piped input) reads the message from stdin.",
  ].join("\n"),
  attach: [
    "Follows a conversation live: the running turn from its start, then every later turn,",
    "until Ctrl-C (which detaches; the turn goes on).",
  ].join("\n"),
  status: "Tells whether the daemon is up, which provider and model it uses, and its ports.",
  doctor: "Checks configuration, token, ports, provider reachability and the data dir, and says what to fix.",
  help: "Shows help for a command.",
  turn: [
    "Runs one turn on a model and streams it. <modelName> is a line of `dispatch models`,",
    "e.g. opencode/deepseek-v4-flash.",
    "  --file <path>        add a file's contents to the message (repeatable)",
    "  --cwd <dir>          working directory for tools (default: the current directory)",
    "  --conversation <id>  continue a conversation (full id or unique prefix); a new id starts one",
    "  --effort <level>     low, medium, high (default), xhigh, max",
    "  --workspace <id>     workspace id",
    "  --show-reasoning     print the model's reasoning too",
    "  --open               ask frontends to open the conversation",
    "--text - (or no --text with piped input) reads the message from stdin.",
    "Ctrl-C stops the turn; a second Ctrl-C leaves without waiting.",
  ].join("\n"),
};

/** The full usage text of `dispatch --help`. */
export function usageText(): string {
  const order: (CommandName | "turn")[] = [
    "models",
    "list",
    "stop",
    "compact",
    "read",
    "open",
    "send",
    "turn",
    "attach",
    "status",
    "doctor",
  ];
  return [
    "Usage:",
    ...order.map((name) => `  ${USAGE_LINES[name]}`),
    "  dispatch trace turns|show <turnId>|body <id>|diff … [--db <path>]   (the trace store; trace --help)",
    "  dispatch --help | dispatch <command> --help",
    "",
    "Effort levels: low, medium, high (default), xhigh, max",
    "",
    "Options for every command:",
    "  --server <url>  the daemon (default: $DISPATCH_SERVER, else http://127.0.0.1:$BACKEND_PORT,",
    "                  else http://127.0.0.1:24203, then the installed service on :24991)",
    "  --json          machine-readable output: one JSON event per line for turns,",
    "                  one JSON document for everything else",
    "  --no-color      no ANSI colors (also NO_COLOR=1); colors are only used on a terminal",
    "",
    "The token is found automatically: $DISPATCH_TOKEN, else <data dir>/token",
    "($DISPATCH_DATA_DIR, ~/.local/share/dispatch), else /var/lib/dispatch/token.",
    "",
    "Exit codes: 0 ok, 1 turn or request failed, 2 usage error, 3 server unreachable,",
    "4 token or origin refused, 130 interrupted.",
    "",
  ].join("\n");
}

/** The help of one command. */
export function commandHelp(name: CommandName | "turn"): string {
  return `Usage: ${USAGE_LINES[name]}\n\n${DETAILS[name]}\n`;
}
