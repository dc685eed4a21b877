/**
 * The skills of a (cwd, home) pair, remembered between turns: a scan records a fingerprint of every
 * directory it listed and every skill file it probed, and a later turn reuses the result while all
 * of them are unchanged (a few `stat` calls instead of listing and reading every source again).
 * Concurrent turns for one pair share one scan.
 */
import { discoverSkills, type ScanStamps, type SkillEntry, signatureOf } from "./discovery.ts";

/** Pairs remembered before the least recently used one is forgotten. */
export const DEFAULT_CATALOG_ENTRIES = 32;

/** Remembered skill lists. */
export interface SkillCatalog {
  /** The skills for `cwd` and `homeDir` as `discoverSkills` would find them now. Treat the array as read-only. */
  skills(cwd: string | undefined, homeDir: string | undefined): Promise<SkillEntry[]>;
}

interface Entry {
  skills: Promise<SkillEntry[]>;
  stamps: ScanStamps;
  scanned: boolean;
}

/** Creates an empty catalog holding at most `maxEntries` (cwd, home) pairs. */
export function createSkillCatalog(maxEntries = DEFAULT_CATALOG_ENTRIES): SkillCatalog {
  const entries = new Map<string, Entry>();

  const unchanged = (stamps: ScanStamps): boolean => {
    for (const [path, signature] of stamps) if (signatureOf(path) !== signature) return false;
    return true;
  };

  return {
    skills(cwd, homeDir) {
      const key = `${cwd ?? ""}\u0000${homeDir ?? ""}`;
      const known = entries.get(key);
      // Map order is recency order: re-inserting marks the pair as just used.
      entries.delete(key);
      if (known && (!known.scanned || unchanged(known.stamps))) {
        entries.set(key, known);
        return known.skills;
      }
      const stamps: ScanStamps = new Map();
      const entry: Entry = { skills: discoverSkills(cwd, homeDir, stamps), stamps, scanned: false };
      entries.set(key, entry);
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
      entry.skills.then(
        () => {
          entry.scanned = true;
        },
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return entry.skills;
    },
  };
}
