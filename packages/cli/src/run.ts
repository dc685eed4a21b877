/**
 * One invocation of the CLI: parse the command line, find the server and the token, run the
 * command, and turn any `CliError` into `dispatch: <message>` on stderr and its exit code.
 */
import { type Command, type Invocation, parseCommandLine } from "./args.ts";
import { runAttach } from "./commands/attach.ts";
import {
  runCompact,
  runList,
  runModels,
  runOpen,
  runQueue,
  runRead,
  runStop,
} from "./commands/conversations.ts";
import { runDoctor } from "./commands/doctor.ts";
import { runStatus } from "./commands/status.ts";
import { runSend, runTurn } from "./commands/turn.ts";
import { serverCandidates } from "./config.ts";
import type { Context } from "./context.ts";
import { CliError, EXIT, type ExitCode, errorMessage } from "./errors.ts";
import { commandHelp, usageText } from "./help.ts";
import { createHttpClient } from "./http.ts";
import type { Io } from "./io.ts";
import { createStyles } from "./render.ts";
import { findTokens } from "./token.ts";

/** Runs the CLI with `io`; resolves with the process exit code. Never throws. */
export async function run(io: Io): Promise<ExitCode> {
  try {
    const invocation = parseCommandLine(io.argv);
    const { command } = invocation;
    if (command.kind === "usage") {
      io.stdout.write(usageText());
      return EXIT.OK;
    }
    if (command.kind === "help") {
      io.stdout.write(commandHelp(command.topic ?? "help"));
      return EXIT.OK;
    }
    const ctx = await createContext(io, invocation);
    return await execute(ctx, command);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`dispatch: ${err.message}\n${err.details.map((line) => `${line}\n`).join("")}`);
      if (err.exitCode === EXIT.USAGE && err.details.length === 0)
        io.stderr.write("Run 'dispatch --help' for the commands.\n");
      return err.exitCode;
    }
    io.stderr.write(
      `dispatch: unexpected error: ${errorMessage(err)}\n${err instanceof Error ? (err.stack ?? "") : ""}\n`,
    );
    return EXIT.FAILED;
  }
}

async function createContext(io: Io, invocation: Invocation): Promise<Context> {
  const servers = serverCandidates(invocation.global.server, io.env);
  const tokens = await findTokens(io.env, io.readFile);
  const color = io.stdout.isTTY && !invocation.global.noColor && !io.env.NO_COLOR && !invocation.global.json;
  return {
    io,
    client: createHttpClient({ servers, tokens, fetch: io.fetch }),
    global: invocation.global,
    color,
    styles: createStyles(color),
    servers,
    tokens,
  };
}

function execute(ctx: Context, command: Exclude<Command, { kind: "usage" | "help" }>): Promise<ExitCode> {
  switch (command.kind) {
    case "models":
      return runModels(ctx);
    case "list":
      return runList(ctx, command);
    case "read":
      return runRead(ctx, command);
    case "stop":
      return runStop(ctx, command);
    case "compact":
      return runCompact(ctx, command);
    case "open":
      return runOpen(ctx, command);
    case "send":
      return command.queue ? runQueue(ctx, command) : runSend(ctx, command);
    case "turn":
      return runTurn(ctx, command);
    case "attach":
      return runAttach(ctx, command);
    case "status":
      return runStatus(ctx);
    case "doctor":
      return runDoctor(ctx);
  }
}
