/**
 * Turns: `dispatch <model> --text …` streams a one-shot turn; `dispatch send <id> --text …`
 * sends to an existing conversation and prints only the final reply. Both stream `POST /chat`.
 * Ctrl-C stops the turn (`POST …/stop`) and waits for it to end; a second Ctrl-C leaves at once.
 */

import { resolve } from "node:path";
import type { AgentEvent, ChatRequest } from "@dispatch/transport-contract";
import type { Command } from "../args.ts";
import type { Context } from "../context.ts";
import { CliError, EXIT, type ExitCode, errorMessage, usageError } from "../errors.ts";
import { USAGE_LINES } from "../help.ts";
import { responseError } from "../http.ts";
import { readNdjson } from "../ndjson.ts";
import { createTurnPrinter } from "../printer.ts";
import { resolveConversationId, resolveOrNewConversationId } from "../resolve-id.ts";

type TurnCommand = Extract<Command, { kind: "turn" }>;
type SendCommand = Extract<Command, { kind: "send" }>;

/** `dispatch <modelName> --text "..."`. */
export async function runTurn(ctx: Context, command: TurnCommand): Promise<ExitCode> {
  const message = await readMessage(ctx, command.text, command.files, USAGE_LINES.turn);
  const conversationId = command.conversation
    ? await resolveOrNewConversationId(ctx.client, command.conversation)
    : crypto.randomUUID();
  const request: ChatRequest = {
    conversationId,
    message,
    model: command.model,
    cwd: resolve(ctx.io.cwd, command.cwd ?? "."),
    ...(command.effort ? { reasoningEffort: command.effort } : {}),
    ...(command.workspace ? { workspaceId: command.workspace } : {}),
  };
  return streamTurn(ctx, request, {
    finalOnly: false,
    showReasoning: command.showReasoning,
    open: command.open,
  });
}

/** `dispatch send <id> --text "..."` without `--queue`. */
export async function runSend(ctx: Context, command: SendCommand): Promise<ExitCode> {
  const conversationId = await resolveConversationId(ctx.client, command.id);
  const message = await readMessage(ctx, command.text, [], USAGE_LINES.send);
  const request: ChatRequest = {
    conversationId,
    message,
    ...(command.cwd ? { cwd: resolve(ctx.io.cwd, command.cwd) } : {}),
    ...(command.effort ? { reasoningEffort: command.effort } : {}),
    ...(command.workspace ? { workspaceId: command.workspace } : {}),
  };
  return streamTurn(ctx, request, { finalOnly: true, showReasoning: false, open: command.open });
}

/** The message: `--text` or stdin, with each `--file` appended. Throws a usage error when empty. */
export async function readMessage(
  ctx: Context,
  text: string | undefined,
  files: readonly string[],
  usage: string,
): Promise<string> {
  let message: string;
  if (text !== undefined) message = text;
  else if (ctx.io.stdinIsTTY)
    throw usageError('--text "..." is required (or pipe the message on stdin).', usage);
  else message = await ctx.io.readStdin();
  for (const file of files) {
    let content: string;
    try {
      content = await ctx.io.readFile(resolve(ctx.io.cwd, file));
    } catch (err) {
      throw usageError(
        `cannot read --file ${file}: ${(err as { code?: string }).code ?? errorMessage(err)}.`,
        usage,
      );
    }
    message += `\n\nFile ${file}:\n\`\`\`\n${content}${content.endsWith("\n") ? "" : "\n"}\`\`\``;
  }
  if (message.trim() === "")
    throw usageError('the message is empty: pass --text "..." or pipe text on stdin.', usage);
  return message;
}

interface StreamOptions {
  finalOnly: boolean;
  showReasoning: boolean;
  open: boolean;
}

async function streamTurn(ctx: Context, request: ChatRequest, options: StreamOptions): Promise<ExitCode> {
  const { io, client } = ctx;
  const id = request.conversationId ?? "";
  const printer = createTurnPrinter(io, {
    json: ctx.global.json,
    color: ctx.color,
    showReasoning: options.showReasoning,
    showUserMessage: false,
    finalOnly: options.finalOnly,
    waitingLabel: "waiting for the model",
  });
  const leave = new AbortController();
  let interrupts = 0;
  const restore = io.onInterrupt(() => {
    interrupts++;
    if (interrupts > 1) return leave.abort();
    printer.note("Stopping the turn… (Ctrl-C again to leave without waiting)");
    void client.send("POST", `/conversations/${encodeURIComponent(id)}/stop`).catch(() => undefined);
  });
  try {
    const response = await client.send("POST", "/chat", { body: request, signal: leave.signal });
    if (!response.ok || !response.body) throw await responseError(response, "POST", "/chat");
    if (options.open) await signalOpen(ctx, id, printer.note);
    const outcome = await follow(readNdjson<AgentEvent>(response.body), printer);
    printer.finish();
    if (outcome.turnActive) printer.note(busyHint(id));
    if (!outcome.ended) {
      throw new CliError(EXIT.UNREACHABLE, `the connection to the server ended before the turn did.`, [
        `The turn may still be running: follow it with 'dispatch attach ${id}'.`,
      ]);
    }
    if (!ctx.global.json) io.stdout.write(`${ctx.styles.dim(`[conversation] ${id}`)}\n`);
    if (interrupts > 0) return EXIT.INTERRUPTED;
    return outcome.failed ? EXIT.FAILED : EXIT.OK;
  } catch (err) {
    printer.finish();
    if (!leave.signal.aborted) throw err;
    io.stderr.write(`Left without waiting; see how the turn ended with 'dispatch read ${id}'.\n`);
    return EXIT.INTERRUPTED;
  } finally {
    restore();
  }
}

interface FollowOutcome {
  /** The turn reached `turn-sealed`, or the stream carried a final `error`. */
  ended: boolean;
  failed: boolean;
  /** The server refused because a turn was already running. */
  turnActive: boolean;
}

async function follow(
  events: AsyncIterable<AgentEvent>,
  printer: { event(e: AgentEvent): void },
): Promise<FollowOutcome> {
  const outcome: FollowOutcome = { ended: false, failed: false, turnActive: false };
  let sealed = false;
  for await (const event of events) {
    printer.event(event);
    if (event.type === "error") {
      outcome.failed = true;
      if (event.code === "TURN_ACTIVE") outcome.turnActive = true;
    }
    if (event.type === "done" && event.reason === "error") outcome.failed = true;
    if (event.type === "turn-sealed") sealed = true;
  }
  // Without `turn-sealed`, a stream that carried an error ended because the turn failed early.
  outcome.ended = sealed || outcome.failed;
  return outcome;
}

async function signalOpen(ctx: Context, id: string, note: (text: string) => void): Promise<void> {
  try {
    await ctx.client.json("POST", `/conversations/${encodeURIComponent(id)}/open`);
  } catch (err) {
    note(`Could not ask frontends to open ${id}: ${errorMessage(err)}`);
  }
}

function busyHint(id: string): string {
  return (
    `A turn is already running in ${id}: watch it with 'dispatch attach ${id}', ` +
    `steer it with 'dispatch send ${id} --queue --text "..."', or stop it with 'dispatch stop ${id}'.`
  );
}
