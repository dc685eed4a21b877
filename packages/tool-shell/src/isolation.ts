/**
 * How commands are confined so that killing one kills everything it started. Preferred: a PID
 * namespace (`unshare --pid --fork --kill-child`, with a user namespace when not root), where the
 * command is PID 1 and its death takes every descendant with it, `setsid` children included.
 * Fallback: a process group plus descendant tracking through /proc (`process-tree.ts`).
 */

/** The chosen confinement and the argv prefix that applies it. */
export interface Isolation {
  kind: "pid-namespace" | "process-group";
  /** Prepended to `[shell, "-c", command]`. */
  prefix: readonly string[];
}

const NAMESPACE_CANDIDATES: readonly (readonly string[])[] = [
  ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc"],
  ["unshare", "--user", "--map-current-user", "--pid", "--fork", "--kill-child", "--mount-proc"],
  ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child", "--mount-proc"],
];

/** Kills the command's wrapper if the daemon dies, so commands never outlive it. */
const PARENT_DEATH = ["setpriv", "--pdeathsig", "KILL"];

/**
 * Finds the strongest isolation this machine allows by running a tiny probe with each candidate.
 * `prefer` forces a kind (tests use it to exercise the fallback). Contract: never throws.
 */
export async function probeIsolation(prefer: "auto" | Isolation["kind"] = "auto"): Promise<Isolation> {
  const deathPrefix = (await works([...PARENT_DEATH, "sh", "-c", "exit 0"])) ? PARENT_DEATH : [];
  if (prefer !== "process-group") {
    for (const candidate of NAMESPACE_CANDIDATES) {
      if (await works([...candidate, "sh", "-c", 'test "$$" = 1'])) {
        return { kind: "pid-namespace", prefix: [...deathPrefix, ...candidate] };
      }
    }
  }
  return { kind: "process-group", prefix: deathPrefix };
}

/**
 * Probes once, on first use: the first call starts `probeIsolation(prefer)`, concurrent callers
 * share that probe, later callers get the cached answer. `onProbed` sees the chosen isolation once
 * (the extension logs it). Contract: the returned function never rejects; `onProbed` must not throw.
 */
export function createIsolationProbe(
  prefer: "auto" | Isolation["kind"] = "auto",
  onProbed?: (isolation: Isolation) => void,
): () => Promise<Isolation> {
  let probed: Promise<Isolation> | undefined;
  return function isolationProbe() {
    probed ??= probeIsolation(prefer).then((isolation) => {
      onProbed?.(isolation);
      return isolation;
    });
    return probed;
  };
}

async function works(argv: string[]): Promise<boolean> {
  const [program] = argv;
  if (program === undefined || Bun.which(program) === null) return false;
  try {
    const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore", timeout: 3_000 });
    return (await proc.exited) === 0;
  } catch {
    return false;
  }
}
