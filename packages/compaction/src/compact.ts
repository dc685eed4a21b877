/**
 * Compaction: when a conversation's context fills up, summarize its older messages with the model,
 * fork the full history into an archived conversation (the `compactedFrom` chain), and replace the
 * live history with the summary plus the most recent messages. A tool call is never separated from
 * its result.
 */
import type { ConversationStore } from "@dispatch/conversation-store";
import type { CredentialStore, ResolvedModel } from "@dispatch/credential-store";
import { errorMessage, type Logger } from "@dispatch/kernel";
import type { ChatMessage, CompactionResult } from "@dispatch/wire";

/** How many trailing messages stay verbatim by default. */
export const DEFAULT_KEEP_LAST_N = 10;
/** The most transcript text sent to the summarizer; older text is elided. */
const MAX_TRANSCRIPT_CHARS = 200_000;
/** Longest tool result excerpt in the transcript. */
const RESULT_EXCERPT = 500;

export const SUMMARY_PREFIX = "Summary of the conversation so far (older messages were compacted):";

const SUMMARIZER_INSTRUCTIONS =
  "You compact an AI coding agent's conversation. Write a faithful, dense summary of the transcript " +
  "you are given: the user's goals and constraints, decisions made, files and commands involved, " +
  "what was done, what failed and why, and what remains to do. Keep exact names, paths and numbers. " +
  "Write plain prose and bullet lists; no preamble.";

/**
 * The first kept index for `keepLastN`: moved back so the kept part never starts with tool results
 * whose calls would be summarized away.
 */
export function splitIndex(messages: readonly ChatMessage[], keepLastN: number): number {
  let index = Math.max(0, messages.length - keepLastN);
  while (index > 0 && messages[index]?.role === "tool") index -= 1;
  return index;
}

/** The messages as plain text for the summarizer. */
export function renderTranscript(messages: readonly ChatMessage[]): string {
  const lines: string[] = [];
  for (const message of messages) {
    for (const chunk of message.chunks) {
      if (chunk.type === "text" || chunk.type === "system") lines.push(`${message.role}: ${chunk.text}`);
      else if (chunk.type === "tool-call") {
        lines.push(
          `${message.role}: [called ${chunk.toolName} ${JSON.stringify(chunk.input).slice(0, RESULT_EXCERPT)}]`,
        );
      } else if (chunk.type === "tool-result") {
        const excerpt =
          chunk.content.length > RESULT_EXCERPT
            ? `${chunk.content.slice(0, RESULT_EXCERPT)}…`
            : chunk.content;
        lines.push(`tool ${chunk.toolName}${chunk.isError ? " (error)" : ""}: ${excerpt}`);
      }
    }
  }
  const text = lines.join("\n");
  return text.length > MAX_TRANSCRIPT_CHARS
    ? `[…earlier transcript elided…]\n${text.slice(-MAX_TRANSCRIPT_CHARS)}`
    : text;
}

/** What a compaction needs. */
export interface CompactDeps {
  store: ConversationStore;
  credentials: CredentialStore;
  logger: Logger;
  newId(): string;
  now(): number;
}

/** Options of one compaction. */
export interface CompactOptions {
  keepLastN?: number;
  /** `<credential>/<model>` to summarize with; defaults to the conversation's model. */
  modelName?: string;
  /** A running turn's id when compacting at a step boundary. */
  turnId?: string;
  signal?: AbortSignal;
}

/** The result plus the new live history (what the next model call should send). */
export interface CompactOutcome {
  result: CompactionResult;
  history: ChatMessage[];
}

/** Compacts a conversation. Never throws: failures come back as `{ error }`. */
export async function compactConversation(
  deps: CompactDeps,
  conversationId: string,
  options: CompactOptions = {},
): Promise<CompactOutcome | { error: string }> {
  const { store, credentials } = deps;
  const meta = store.getMeta(conversationId);
  if (!meta) return { error: `no conversation "${conversationId}"` };
  const history = store.loadHistory(conversationId);
  const seqAtLoad = store.lastSeq(conversationId);
  const split = splitIndex(history, options.keepLastN ?? DEFAULT_KEEP_LAST_N);
  if (split === 0) return { error: "conversation too short to compact" };
  const modelName =
    options.modelName ?? store.getSettings(conversationId).model ?? credentials.defaultModel();
  if (!modelName) return { error: "no model to summarize with: set DISPATCH_MODEL or pass modelName" };
  const resolved = credentials.resolve(modelName);
  if ("error" in resolved) return resolved;

  const older = history.slice(0, split);
  const kept = history.slice(split);
  const summary = await summarize(deps, resolved, renderTranscript(older), options.signal);
  if ("error" in summary) return summary;

  const archiveId = deps.newId();
  const summaryMessage: ChatMessage = {
    role: "user",
    chunks: [{ type: "text", text: `${SUMMARY_PREFIX}\n\n${summary.text}` }],
  };
  const next = [summaryMessage, ...kept];
  // A turn that appended while the summary was written would lose its messages in the rewrite.
  if (store.lastSeq(conversationId) !== seqAtLoad) {
    return { error: "the conversation changed while it was being compacted; compact again" };
  }
  try {
    store.forkHistory(conversationId, archiveId);
    store.replaceHistory(conversationId, options.turnId ?? `compaction-${deps.now()}`, next, {
      compactedFrom: archiveId,
    });
  } catch (err) {
    deps.logger.error("compaction could not rewrite the history", { err, conversationId });
    return { error: `compaction failed while saving: ${errorMessage(err)}` };
  }
  return {
    result: {
      summary: summary.text,
      newConversationId: archiveId,
      messagesSummarized: older.length,
      messagesKept: kept.length,
    },
    history: next,
  };
}

async function summarize(
  deps: CompactDeps,
  resolved: ResolvedModel,
  transcript: string,
  signal: AbortSignal | undefined,
): Promise<{ text: string } | { error: string }> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  let text = "";
  try {
    for await (const event of resolved.provider.stream({
      model: resolved.model,
      systemPrompt: SUMMARIZER_INSTRUCTIONS,
      messages: [
        { role: "user", chunks: [{ type: "text", text: `Transcript to summarize:\n\n${transcript}` }] },
      ],
      tools: [],
      maxOutputTokens: 2000,
      signal: controller.signal,
      logger: deps.logger,
    })) {
      if (event.type === "text-delta") text += event.delta;
      if (event.type === "error") return { error: `the summary request failed: ${event.message}` };
    }
  } catch (err) {
    return { error: `the summary request failed: ${errorMessage(err)}` };
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  if (controller.signal.aborted) return { error: "compaction was aborted" };
  if (text.trim() === "") return { error: "the model returned an empty summary" };
  return { text: text.trim() };
}
