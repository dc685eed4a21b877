/**
 * `dispatch attach <id>`: follows a conversation over the chat WebSocket (`chat.subscribe`). The
 * server replays the running turn from `user-message`, then streams live, including later turns;
 * events are de-duplicated by their per-turn `index` so each is printed once. Ctrl-C detaches.
 */
import type { AgentEvent, WsChatClientMessage, WsChatServerMessage } from "@dispatch/transport-contract";
import type { Command } from "../args.ts";
import { guessSocketUrl } from "../config.ts";
import type { Context } from "../context.ts";
import { fetchDaemonStatus } from "../daemon-status.ts";
import { CliError, EXIT, type ExitCode } from "../errors.ts";
import type { Socket } from "../io.ts";
import { createTurnPrinter } from "../printer.ts";
import { resolveConversationId } from "../resolve-id.ts";
import { tokenAdvice } from "../token.ts";

/** Remembers the highest `index` printed per turn; says whether an event is new. */
export function createDeduper(): (event: AgentEvent, index: number | undefined) => boolean {
  const seen = new Map<string, number>();
  return (event, index) => {
    if (index === undefined || !("turnId" in event)) return true;
    const last = seen.get(event.turnId);
    if (last !== undefined && index <= last) return false;
    seen.set(event.turnId, index);
    return true;
  };
}

/** `dispatch attach <id>`. */
export async function runAttach(
  ctx: Context,
  command: Extract<Command, { kind: "attach" }>,
): Promise<ExitCode> {
  const { io, client } = ctx;
  const id = await resolveConversationId(client, command.id);
  const status = await fetchDaemonStatus(client);
  if (status?.surfaceWsUrl === null) {
    throw new CliError(EXIT.FAILED, "the daemon runs without its WebSocket transport, which attach needs.");
  }
  const url = status?.surfaceWsUrl ?? guessSocketUrl(client.baseUrl(), io.env);
  const token = client.token();
  const printer = createTurnPrinter(io, {
    json: ctx.global.json,
    color: ctx.color,
    showReasoning: command.showReasoning,
    showUserMessage: true,
    finalOnly: false,
    waitingLabel: "waiting for a turn",
  });
  const isNew = createDeduper();

  return await new Promise<ExitCode>((settle) => {
    let opened = false;
    let done = false;
    let socket: Socket | undefined;
    const finish = (code: ExitCode, error?: CliError) => {
      if (done) return;
      done = true;
      restore();
      printer.finish();
      socket?.close();
      if (error) io.stderr.write(`dispatch: ${[error.message, ...error.details].join("\n")}\n`);
      settle(code);
    };
    const restore = io.onInterrupt(() => finish(EXIT.OK));
    socket = io.openSocket(url, token ? { authorization: `Bearer ${token}` } : {}, {
      onOpen() {
        opened = true;
        const subscribe: WsChatClientMessage = { type: "chat.subscribe", conversationId: id };
        socket?.send(JSON.stringify(subscribe));
        if (!ctx.global.json) printer.note(`Attached to ${id}. Ctrl-C detaches (the turn goes on).`);
      },
      onMessage(text) {
        const message = parse(text);
        if (message?.type === "chat.delta" && message.event.conversationId === id) {
          if (!isNew(message.event, message.index)) return;
          printer.event(message.event);
          if (message.event.type === "turn-sealed") printer.setWaitingLabel("waiting for the next turn");
        } else if (message?.type === "chat.error" && (message.conversationId ?? id) === id) {
          finish(EXIT.FAILED, new CliError(EXIT.FAILED, `the server refused to attach: ${message.message}`));
        }
      },
      onRejected(code) {
        const advice = code === 401 ? tokenAdvice(ctx.tokens) : [];
        finish(
          EXIT.AUTH,
          new CliError(EXIT.AUTH, `the WebSocket at ${url} refused the connection (${code}).`, advice),
        );
      },
      onError(message) {
        if (opened) return;
        finish(
          EXIT.UNREACHABLE,
          new CliError(EXIT.UNREACHABLE, `cannot reach the chat WebSocket at ${url}: ${message}.`, [
            "The daemon's HTTP API answers, but its WebSocket transport does not: check SURFACE_WS_PORT",
            "(the CLI reads it from the environment when the daemon does not report it in GET /status).",
          ]),
        );
      },
      onClose(code, reason) {
        if (!opened)
          return finish(
            EXIT.UNREACHABLE,
            new CliError(EXIT.UNREACHABLE, `the WebSocket at ${url} closed (${code}).`),
          );
        finish(
          EXIT.UNREACHABLE,
          new CliError(
            EXIT.UNREACHABLE,
            `the server closed the connection (${code}${reason ? `: ${reason}` : ""}).`,
            ["Is the daemon stopping? Attach again once it is back."],
          ),
        );
      },
    });
  });
}

function parse(text: string): WsChatServerMessage | undefined {
  try {
    const value = JSON.parse(text) as { type?: unknown };
    return typeof value.type === "string" ? (value as WsChatServerMessage) : undefined;
  } catch {
    return undefined;
  }
}
