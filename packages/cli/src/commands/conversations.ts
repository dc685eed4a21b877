/**
 * The one-request commands: `models`, `list`, `read`, `stop`, `compact`, `open` and
 * `send --queue`. Each prints the reference's human line, or the response document with `--json`.
 */

import { resolve } from "node:path";
import type {
  CompactResponse,
  ConversationListResponse,
  LastMessageResponse,
  ModelsResponse,
  OpenResponse,
  QueueResponse,
  StopResponse,
} from "@dispatch/transport-contract";
import type { Command } from "../args.ts";
import { type Context, printJson } from "../context.ts";
import { EXIT, type ExitCode } from "../errors.ts";
import { USAGE_LINES } from "../help.ts";
import { formatConversations } from "../render.ts";
import { resolveConversationId } from "../resolve-id.ts";
import { readMessage } from "./turn.ts";

const path = (id: string, action: string) => `/conversations/${encodeURIComponent(id)}/${action}`;

/** `dispatch models`. */
export async function runModels(ctx: Context): Promise<ExitCode> {
  const body = await ctx.client.json<ModelsResponse>("GET", "/models");
  if (ctx.global.json) printJson(ctx, body);
  else for (const model of body.models) ctx.io.stdout.write(`${model}\n`);
  if (!ctx.global.json && body.models.length === 0) {
    ctx.io.stderr.write(
      "The server lists no models: check its provider configuration with 'dispatch doctor'.\n",
    );
  }
  return EXIT.OK;
}

/** `dispatch list [<prefix>] [--status s] [--all]`. */
export async function runList(ctx: Context, command: Extract<Command, { kind: "list" }>): Promise<ExitCode> {
  const query = new URLSearchParams();
  if (command.status) query.set("status", command.status.join(","));
  if (command.prefix) query.set("q", command.prefix);
  const suffix = query.size > 0 ? `?${query}` : "";
  const body = await ctx.client.json<ConversationListResponse>("GET", `/conversations${suffix}`);
  if (ctx.global.json) {
    printJson(ctx, body);
    return EXIT.OK;
  }
  if (body.conversations.length === 0) {
    ctx.io.stderr.write(
      command.status ? "No conversations (add --all to include closed ones).\n" : "No conversations.\n",
    );
    return EXIT.OK;
  }
  const columns = ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined;
  ctx.io.stdout.write(formatConversations(body.conversations, ctx.io.now(), ctx.styles, columns));
  return EXIT.OK;
}

/** `dispatch read <id>`: waits for the running turn, prints the last assistant message. */
export async function runRead(ctx: Context, command: { id: string }): Promise<ExitCode> {
  const id = await resolveConversationId(ctx.client, command.id);
  const body = await ctx.client.json<LastMessageResponse>("GET", path(id, "last"));
  if (ctx.global.json) printJson(ctx, body);
  else if (body.content === "") ctx.io.stderr.write(`${id} has no assistant message yet.\n`);
  else ctx.io.stdout.write(body.content.endsWith("\n") ? body.content : `${body.content}\n`);
  return EXIT.OK;
}

/** `dispatch stop <id>`. */
export async function runStop(ctx: Context, command: { id: string }): Promise<ExitCode> {
  const id = await resolveConversationId(ctx.client, command.id);
  const body = await ctx.client.json<StopResponse>("POST", path(id, "stop"));
  if (ctx.global.json) printJson(ctx, body);
  else
    ctx.io.stdout.write(
      body.abortedTurn ? `Stopped generation for ${id}\n` : `No active generation for ${id}\n`,
    );
  return EXIT.OK;
}

/** `dispatch compact <id>`. */
export async function runCompact(ctx: Context, command: { id: string }): Promise<ExitCode> {
  const id = await resolveConversationId(ctx.client, command.id);
  const body = await ctx.client.json<CompactResponse>("POST", path(id, "compact"), { body: {} });
  if (ctx.global.json) printJson(ctx, body);
  else {
    ctx.io.stdout.write(
      `Compacted ${id}: summarized ${body.messagesSummarized} messages, kept ${body.messagesKept}. ` +
        `The full history is archived as ${body.newConversationId}.\n`,
    );
  }
  return EXIT.OK;
}

/** `dispatch open <id>`. */
export async function runOpen(ctx: Context, command: { id: string }): Promise<ExitCode> {
  const id = await resolveConversationId(ctx.client, command.id);
  const body = await ctx.client.json<OpenResponse>("POST", path(id, "open"));
  if (ctx.global.json) printJson(ctx, body);
  else ctx.io.stdout.write(`Asked frontends to open ${id}\n`);
  return EXIT.OK;
}

/** `dispatch send <id> --queue`: steers the running turn, or starts one when idle. */
export async function runQueue(ctx: Context, command: Extract<Command, { kind: "send" }>): Promise<ExitCode> {
  const id = await resolveConversationId(ctx.client, command.id);
  const text = await readMessage(ctx, command.text, [], USAGE_LINES.send);
  if (command.cwd)
    await ctx.client.json("PUT", path(id, "cwd"), { body: { cwd: resolve(ctx.io.cwd, command.cwd) } });
  if (command.effort) {
    await ctx.client.json("PUT", path(id, "reasoning-effort"), { body: { reasoningEffort: command.effort } });
  }
  const body = await ctx.client.json<QueueResponse>("POST", path(id, "queue"), {
    body: { text, ...(command.workspace ? { workspaceId: command.workspace } : {}) },
  });
  if (command.open) await ctx.client.json<OpenResponse>("POST", path(id, "open"));
  if (ctx.global.json) printJson(ctx, body);
  else ctx.io.stdout.write(body.startedTurn ? `Started turn for ${id}\n` : `Queued to ${id}\n`);
  return EXIT.OK;
}
