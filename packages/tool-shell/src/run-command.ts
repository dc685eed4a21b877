/**
 * Runs one shell command: spawns it under the chosen isolation, streams stdout and stderr live,
 * keeps a capped copy for the result, and on timeout or abort kills the whole process tree and
 * returns promptly, without waiting for pipes a stray grandchild might still hold.
 */
import type { AbortSignalLike } from "@dispatch/kernel";
import { createOutputCollector } from "@dispatch/tool-kit";
import type { Isolation } from "./isolation.ts";
import { createProcessTree, RUN_MARKER_VARIABLE } from "./process-tree.ts";

/** How long, after the command ends or is killed, the pipes may take to drain. */
const PIPE_GRACE_MS = 300;
/** Time the fallback may spend killing a process tree. */
const KILL_BUDGET_MS = 1_000;
/** How often the fallback records the tree while the command runs. */
const TRACK_INTERVAL_MS = 100;

/** One command run. */
export interface RunCommandOptions {
  command: string;
  cwd: string;
  env: Readonly<Record<string, string>>;
  timeoutMs: number;
  signal: AbortSignalLike;
  isolation: Isolation;
  /** The shell binary run as `<shell> -c <command>`. */
  shell: string;
  /** Receives output as it arrives. Contract: must not throw. */
  onOutput(data: string, stream: "stdout" | "stderr"): void;
  /** Characters kept for the result (head and tail). */
  maxOutputChars: number;
  /** Characters streamed live before live output stops (the result still gets the tail). */
  maxLiveChars: number;
}

/** How a command ended. */
export interface RunCommandResult {
  /** `null` when it was killed by a signal, timed out or was aborted. */
  exitCode: number | null;
  /** The signal that ended it, when not killed by us. */
  signalName?: string;
  timedOut: boolean;
  aborted: boolean;
  /** Interleaved stdout and stderr, capped. */
  output: string;
  /** Characters produced in all. */
  totalChars: number;
}

/** Runs a command to completion, timeout or abort. Contract: rejects only if it cannot be spawned. */
export async function runCommand(options: RunCommandOptions): Promise<RunCommandResult> {
  const marker = crypto.randomUUID();
  const fallback = options.isolation.kind === "process-group";
  const proc = Bun.spawn([...options.isolation.prefix, options.shell, "-c", options.command], {
    cwd: options.cwd,
    env: fallback ? { ...options.env, [RUN_MARKER_VARIABLE]: marker } : { ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  const tree = fallback ? createProcessTree(proc.pid, marker) : undefined;
  const tracking = tree ? setInterval(() => tree.track(), TRACK_INTERVAL_MS) : undefined;
  const output = createOutputSink(options);
  const readers: { cancel(): Promise<void> }[] = [];
  const pumps = Promise.all([
    pump(proc.stdout, "stdout", output.write, readers),
    pump(proc.stderr, "stderr", output.write, readers),
  ]);

  let stopped: "timeout" | "abort" | undefined;
  let wake: () => void = () => undefined;
  const stop = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const onAbort = (): void => {
    stopped ??= "abort";
    wake();
  };
  const timer = setTimeout(() => {
    stopped ??= "timeout";
    wake();
  }, options.timeoutMs);
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener("abort", onAbort, { once: true });

  try {
    await Promise.race([proc.exited, stop]);
    // Kill what is left: everything on timeout or abort, stray background jobs after a normal exit.
    if (tree) {
      clearInterval(tracking);
      await tree.killAll(KILL_BUDGET_MS);
    }
    if (stopped) proc.kill("SIGKILL");
    await Promise.race([Promise.all([proc.exited, pumps]), Bun.sleep(PIPE_GRACE_MS)]);
  } finally {
    clearTimeout(timer);
    clearInterval(tracking);
    options.signal.removeEventListener("abort", onAbort);
    for (const reader of readers) reader.cancel().catch(() => undefined);
  }
  const killedByUs = stopped !== undefined;
  return {
    exitCode: killedByUs ? null : proc.exitCode,
    ...(!killedByUs && proc.signalCode ? { signalName: String(proc.signalCode) } : {}),
    timedOut: stopped === "timeout",
    aborted: stopped === "abort",
    output: output.text(),
    totalChars: output.total(),
  };
}

type Write = (text: string, stream: "stdout" | "stderr") => void;

function createOutputSink(options: RunCommandOptions): { write: Write; text(): string; total(): number } {
  const collector = createOutputCollector(options.maxOutputChars);
  let live = 0;
  let liveStopped = false;
  return {
    write(text, stream) {
      collector.append(text);
      if (liveStopped) return;
      if (live + text.length > options.maxLiveChars) {
        liveStopped = true;
        options.onOutput(
          `\n[live output stopped after ${live.toLocaleString("en-US")} characters; the result keeps the head and tail]\n`,
          "stderr",
        );
        return;
      }
      live += text.length;
      options.onOutput(text, stream);
    },
    text: () => collector.text(),
    total: () => collector.total,
  };
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  name: "stdout" | "stderr",
  write: Write,
  readers: { cancel(): Promise<void> }[],
): Promise<void> {
  const reader = stream.getReader();
  readers.push(reader);
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      if (text !== "") write(text, name);
    }
    const rest = decoder.decode();
    if (rest !== "") write(rest, name);
  } catch {
    // Cancelled after the grace period, or the pipe broke: what arrived is kept.
  }
}
