/**
 * The fallback when no PID namespace is available: find every process a command started, through
 * /proc, and kill them all. A process belongs to the command if it descends from it, shares its
 * process group or session, or carries the run's marker variable (which survives `setsid`,
 * `nohup` and reparenting to init). Members are frozen (SIGSTOP) before the kill so a fork loop
 * cannot outrun it.
 */
import { readdirSync, readFileSync } from "node:fs";

/** The environment variable that marks a run's processes. */
export const RUN_MARKER_VARIABLE = "DISPATCH_SHELL_RUN";

interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  state: string;
  /** Start time in clock ticks since boot: with the pid, it identifies a process across pid reuse. */
  start: number;
}

/** Tracks and kills the processes of one command. */
export interface ProcessTree {
  /** Records the current members (call periodically: a child seen once is remembered). */
  track(): void;
  /** Kills every member until none is left or `budgetMs` passes. Resolves to the survivors' count. */
  killAll(budgetMs: number): Promise<number>;
}

/** A tracker for the command whose shell is `rootPid` and whose processes carry `marker`. */
export function createProcessTree(rootPid: number, marker: string): ProcessTree {
  const rootStart = listProcesses().find((info) => info.pid === rootPid)?.start;
  // pid → start time, so a recycled pid is never mistaken for a member.
  const known = new Map<number, number>();
  if (rootStart !== undefined) known.set(rootPid, rootStart);
  const needle = `${RUN_MARKER_VARIABLE}=${marker}\0`;

  const members = (): ProcessInfo[] => {
    const all = listProcesses();
    // While the shell is not reaped its pid cannot be reused, so its group and session are its own.
    const rootAlive = all.some((info) => info.pid === rootPid && info.start === rootStart);
    const children = new Map<number, ProcessInfo[]>();
    for (const info of all) {
      const siblings = children.get(info.ppid) ?? [];
      siblings.push(info);
      children.set(info.ppid, siblings);
    }
    const found = new Map<number, ProcessInfo>();
    const visit = (info: ProcessInfo): void => {
      if (found.has(info.pid)) return;
      found.set(info.pid, info);
      for (const child of children.get(info.pid) ?? []) visit(child);
    };
    for (const info of all) {
      const belongs =
        known.get(info.pid) === info.start ||
        (rootAlive && (info.pgid === rootPid || info.sid === rootPid)) ||
        hasMarker(info.pid, needle);
      if (belongs) visit(info);
    }
    return [...found.values()].filter(
      (info) => info.pid !== process.pid && info.state !== "Z" && info.state !== "X",
    );
  };
  const remember = (list: readonly ProcessInfo[]): void => {
    for (const info of list) known.set(info.pid, info.start);
  };

  return {
    track() {
      remember(members());
    },
    async killAll(budgetMs) {
      const deadline = Date.now() + budgetMs;
      let left = members();
      while (left.length > 0 && Date.now() < deadline) {
        remember(left);
        for (const info of left) signal(info.pid, "SIGSTOP");
        for (const info of members()) signal(info.pid, "SIGKILL");
        await Bun.sleep(10);
        left = members();
      }
      return left.length;
    },
  };
}

function signal(pid: number, name: "SIGSTOP" | "SIGKILL"): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Fields after the command name, which may itself contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.push({
        pid: Number(name),
        state: fields[0] ?? "?",
        ppid: Number(fields[1]),
        pgid: Number(fields[2]),
        sid: Number(fields[3]),
        start: Number(fields[19]),
      });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function hasMarker(pid: number, needle: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, "latin1").includes(needle);
  } catch {
    return false;
  }
}
