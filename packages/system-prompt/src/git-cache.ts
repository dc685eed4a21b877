/**
 * A short-lived memo of `git` outputs per working directory and command: conversations started
 * together (or within a couple of seconds) in one cwd share one `git` process instead of spawning
 * one each, and a run still in flight is shared rather than repeated. Failures are remembered too.
 */

/** Default time an output is reused, from the moment its process finished. */
export const DEFAULT_GIT_CACHE_TTL_MS = 2_000;
/** Entries kept before expired ones are swept. */
const SWEEP_AT = 64;

/** Options of `createGitCache`. */
export interface GitCacheOptions {
  /** How long a finished run's output is reused. Default `DEFAULT_GIT_CACHE_TTL_MS`. */
  ttlMs?: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** Memoizes git runs by key (`git path`, cwd and arguments). */
export interface GitCache {
  /**
   * The output of the run keyed `key`: a fresh enough earlier (or running) one, else `run()`'s.
   * Contract: `run` never rejects (git failures are `undefined`).
   */
  get(key: string, run: () => Promise<string | undefined>): Promise<string | undefined>;
}

interface Entry {
  value: Promise<string | undefined>;
  /** When the run finished; `undefined` while it runs. */
  doneAt: number | undefined;
}

/** Creates an empty cache. */
export function createGitCache(options: GitCacheOptions = {}): GitCache {
  const ttlMs = options.ttlMs ?? DEFAULT_GIT_CACHE_TTL_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const fresh = (entry: Entry, at: number) => entry.doneAt === undefined || at - entry.doneAt < ttlMs;

  return {
    get(key, run) {
      const at = now();
      const known = entries.get(key);
      if (known && fresh(known, at)) return known.value;
      if (entries.size >= SWEEP_AT) {
        for (const [other, entry] of entries) if (!fresh(entry, at)) entries.delete(other);
      }
      const entry: Entry = { value: run(), doneAt: undefined };
      entries.set(key, entry);
      void entry.value.then(() => {
        entry.doneAt = now();
      });
      return entry.value;
    },
  };
}
