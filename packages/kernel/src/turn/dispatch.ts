/**
 * The per-step tool dispatcher. Calls are submitted the moment the model finishes each one and run
 * in arrival order under one rule: concurrency-safe tools overlap (up to a cap), an unsafe tool runs
 * alone. Every outcome is a value; unknown tools and throws become error results the model can read.
 */
import type { Tool, ToolContext } from "../contracts/tool.ts";
import { errorMessage } from "../errors.ts";
import type { AbortSignalLike, Now } from "../platform.ts";

/** One call as the model made it (`input` may be a string when its JSON was invalid). */
export interface ToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** What a call produced; `durationMs` is the execution time (absent when it never ran). */
export interface ToolCallOutcome {
  content: string;
  isError: boolean;
  durationMs?: number;
}

/** The result given to calls the turn was stopped before finishing. */
export const ABORTED_OUTCOME: ToolCallOutcome = {
  content: "Aborted: the turn was stopped before this tool finished.",
  isError: true,
};

/** What a dispatcher needs. */
export interface ToolDispatcherOptions {
  tools: readonly Tool[];
  /** Most concurrency-safe tools running at once (at least 1). */
  maxConcurrent: number;
  /** Once aborted, queued calls resolve to `ABORTED_OUTCOME` instead of starting. */
  signal: AbortSignalLike;
  now: Now;
}

/** Runs one step's tool calls. */
export interface ToolDispatcher {
  /** Queues a call. Contract: resolves with its outcome, never rejects. */
  submit(call: ToolCall, context: ToolContext): Promise<ToolCallOutcome>;
}

interface Job {
  tool: Tool;
  call: ToolCall;
  context: ToolContext;
  resolve(outcome: ToolCallOutcome): void;
}

/** A dispatcher over `options.tools` for one step. */
export function createToolDispatcher(options: ToolDispatcherOptions): ToolDispatcher {
  const { signal, now } = options;
  const byName = new Map(options.tools.map((tool) => [tool.name, tool]));
  const maxConcurrent = Math.max(1, options.maxConcurrent);
  const queue: Job[] = [];
  let running = 0;
  let exclusive = false;

  const pump = (): void => {
    for (let job = queue[0]; job !== undefined; job = queue[0]) {
      if (signal.aborted) {
        queue.shift();
        job.resolve(ABORTED_OUTCOME);
        continue;
      }
      const safe = job.tool.concurrencySafe === true;
      if (exclusive || running >= maxConcurrent || (!safe && running > 0)) return;
      queue.shift();
      running += 1;
      exclusive = !safe;
      const started = job;
      void execute(started, now).then((outcome) => {
        running -= 1;
        exclusive = false;
        started.resolve(outcome);
        pump();
      });
    }
  };

  return {
    submit: (call, context) => {
      const tool = byName.get(call.toolName);
      if (tool === undefined) return Promise.resolve(unknownTool(call.toolName, options.tools));
      return new Promise((resolve) => {
        queue.push({ tool, call, context, resolve });
        pump();
      });
    },
  };
}

async function execute(job: Job, now: Now): Promise<ToolCallOutcome> {
  const started = now();
  try {
    const result = await job.tool.execute(job.call.input, job.context);
    const content = typeof result.content === "string" ? result.content : String(result.content);
    return { content, isError: result.isError === true, durationMs: now() - started };
  } catch (err) {
    job.context.logger.error("tool execution threw", { err, toolName: job.call.toolName });
    return {
      content: `Tool execution error: ${errorMessage(err)}`,
      isError: true,
      durationMs: now() - started,
    };
  }
}

function unknownTool(name: string, tools: readonly Tool[]): ToolCallOutcome {
  const available = tools.length > 0 ? tools.map((tool) => tool.name).join(", ") : "(none)";
  return { content: `Unknown tool: ${name}. Available tools: ${available}`, isError: true };
}
