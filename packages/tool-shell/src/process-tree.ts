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
  const known = new Set<number>([rootPid]);
  const needle = `${RUN_MARKER_VARIABLE}=${marker}\0`;

  const members = (): number[] => {
    const all = listProcesses();
    const children = new Map<number, number[]>();
    for (const info of all) {
      const siblings = children.get(info.ppid) ?? [];
      siblings.push(info.pid);
      children.set(info.ppid, siblings);
    }
    const found = new Set<number>();
    const visit = (pid: number): void => {
      if (found.has(pid)) return;
      found.add(pid);
      for (const child of children.get(pid) ?? []) visit(child);
    };
    for (const info of all) {
      if (info.pid === process.pid || info.state === "Z" || info.state === "X") continue;
      const belongs =
        known.has(info.pid) || info.pgid === rootPid || info.sid === rootPid || hasMarker(info.pid, needle);
      if (belongs) visit(info.pid);
    }
    const alive = new Set(
      all.filter((info) => info.state !== "Z" && info.state !== "X").map((info) => info.pid),
    );
    return [...found].filter((pid) => pid !== process.pid && alive.has(pid));
  };

  return {
    track() {
      for (const pid of members()) known.add(pid);
    },
    async killAll(budgetMs) {
      const deadline = Date.now() + budgetMs;
      let left = members();
      while (left.length > 0 && Date.now() < deadline) {
        for (const pid of left) signal(pid, "SIGSTOP");
        for (const pid of left) known.add(pid);
        for (const pid of members()) signal(pid, "SIGKILL");
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
