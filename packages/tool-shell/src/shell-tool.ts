/**
 * The `run_shell` tool: runs a command in the turn's working directory under process-tree
 * isolation, streams its output as `tool-output` events, and returns the capped output with the
 * exit code. The environment is the daemon's minus its secrets.
 */
import { isAbsolute } from "node:path";
import type { Tool } from "@dispatch/kernel";
import { DEFAULT_MAX_OUTPUT_CHARS, defineTool, errnoCode, noCwd, ToolFailure } from "@dispatch/tool-kit";
import { z } from "zod";
import type { Isolation } from "./isolation.ts";
import { type RunCommandResult, runCommand } from "./run-command.ts";

/** Milliseconds a command may run when the call gives no `timeout`. */
export const DEFAULT_TIMEOUT_MS = 120_000;
/** The largest `timeout` accepted (10 minutes). */
export const MAX_TIMEOUT_MS = 600_000;
/** Characters streamed live per command before live output stops. */
export const MAX_LIVE_CHARS = 1_000_000;

/** What `createShellTool` needs. */
export interface ShellToolOptions {
  /**
   * The confinement, or a function giving it (awaited on every call, after the arguments are
   * validated; `createIsolationProbe` probes on the first). Contract: must not reject.
   */
  isolation: Isolation | (() => Promise<Isolation>);
  /** The environment commands get (already scrubbed of secrets). */
  env: Readonly<Record<string, string>>;
  /** The shell run as `<shell> -c <command>`. */
  shell: string;
  /** Defaults to 50,000 characters. */
  maxOutputChars?: number;
}

const input = z.object({
  command: z.string().trim().min(1, "must not be empty").describe("The shell command line to run."),
  timeout: z
    .number()
    .int()
    .min(1)
    .max(MAX_TIMEOUT_MS)
    .optional()
    .describe(`Timeout in milliseconds (default ${DEFAULT_TIMEOUT_MS}, at most ${MAX_TIMEOUT_MS}).`),
});

/** The `run_shell` tool. */
export function createShellTool(options: ShellToolOptions): Tool {
  const maxOutputChars = options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
  return defineTool({
    name: "run_shell",
    description: `Run a shell command (${options.shell} -c) in the working directory; returns its combined stdout and stderr and the exit code.
Output streams live to the user; the result keeps at most ${withThousands(maxOutputChars)} characters (head and tail).
There is no stdin and no terminal: use non-interactive flags (e.g. --yes, --no-pager).
Processes the command starts do not outlive it: run a server and its client in the same command.
The command and everything it started are killed after the timeout (default 2 minutes, at most 10).`,
    input,
    async execute(args, ctx) {
      if (ctx.cwd === undefined || !isAbsolute(ctx.cwd)) throw noCwd();
      const timeoutMs = args.timeout ?? DEFAULT_TIMEOUT_MS;
      const isolation =
        typeof options.isolation === "function" ? await options.isolation() : options.isolation;
      let result: RunCommandResult;
      try {
        result = await runCommand({
          command: args.command,
          cwd: ctx.cwd,
          env: options.env,
          timeoutMs,
          signal: ctx.signal,
          isolation,
          shell: options.shell,
          onOutput: (data, stream) => ctx.onOutput(data, stream),
          maxOutputChars,
          maxLiveChars: MAX_LIVE_CHARS,
        });
      } catch (err) {
        const code = errnoCode(err);
        if (code === "ENOENT" || code === "ENOTDIR") {
          throw new ToolFailure("NO_CWD", `The working directory ${ctx.cwd} does not exist.`);
        }
        throw err;
      }
      return formatResult(result, timeoutMs);
    },
  });
}

/** The result text: the output, then one line saying how the command ended. */
export function formatResult(
  result: RunCommandResult,
  timeoutMs: number,
): { content: string; isError?: boolean } {
  const body = result.output === "" ? "(no output)" : result.output.replace(/\n$/, "");
  if (result.timedOut) {
    return {
      content: `${body}\n\nTimed out after ${formatSeconds(timeoutMs)}: the command and every process it started were killed. Use a longer timeout, or run less at once.`,
      isError: true,
    };
  }
  if (result.aborted) {
    return {
      content: `${body}\n\nAborted: the command and every process it started were killed.`,
      isError: true,
    };
  }
  if (result.exitCode === null) {
    return { content: `${body}\n\nKilled by signal ${result.signalName ?? "unknown"}.`, isError: true };
  }
  const status = `Exit code: ${result.exitCode}`;
  return result.exitCode === 0
    ? { content: `${body}\n\n${status}` }
    : { content: `${body}\n\n${status}`, isError: true };
}

/**
 * `50000` → `"50,000"`. Not `toLocaleString`: its first call initialises ICU (~2 ms and ~2 MB),
 * and this runs at activation, on the daemon's start path.
 */
function withThousands(n: number): string {
  const digits = String(Math.trunc(n));
  let out = "";
  for (const [i, digit] of [...digits].entries()) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ",";
    out += digit;
  }
  return out;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
