/**
 * Memory of a process from /proc: RSS and peak RSS from `status`, PSS from `smaps_rollup` (shared
 * pages split between the processes mapping them), and the children of a process, so the
 * collector the daemon supervises can be found without knowing how it was started.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

/** Memory of one process in MB (10^6 bytes, the unit the budgets use). */
export interface ProcessMemory {
  rssMB: number;
  pssMB: number;
}

/** /proc's "kB" are KiB. */
const KB_PER_MB = 1_000_000 / 1024;

function statusField(pid: number, field: string): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  if (!match?.[1]) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) / KB_PER_MB;
}

/** RSS in MB. */
export function rssMB(pid: number): number {
  return statusField(pid, "VmRSS");
}

/** PSS in MB (from `smaps_rollup`). */
export function pssMB(pid: number): number {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const match = /^Pss:\s+(\d+) kB/m.exec(text);
  if (!match?.[1]) throw new Error(`/proc/${pid}/smaps_rollup has no Pss`);
  return Number(match[1]) / KB_PER_MB;
}

/** RSS and PSS of `pid`. */
export function processMemory(pid: number): ProcessMemory {
  return { rssMB: rssMB(pid), pssMB: pssMB(pid) };
}

/**
 * Starts a peak-RSS window: resets the kernel's high-water mark (`clear_refs` 5) and returns a
 * function reading `VmHWM`, the peak since the reset. Falls back to sampling every 5 ms when the
 * reset is not permitted.
 */
export function peakRssWindow(pid: number): () => number {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return () => statusField(pid, "VmHWM");
  } catch {
    let peak = rssMB(pid);
    const timer = setInterval(() => {
      try {
        peak = Math.max(peak, rssMB(pid));
      } catch {
        clearInterval(timer);
      }
    }, 5);
    return () => {
      clearInterval(timer);
      return Math.max(peak, rssMB(pid));
    };
  }
}

/** The pids whose parent is `pid`, with their command lines. */
export function childProcesses(pid: number): { pid: number; cmdline: string }[] {
  const children: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the parenthesised command: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== pid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      children.push({ pid: Number(entry), cmdline });
    } catch {
      // the process exited while we looked
    }
  }
  return children;
}
