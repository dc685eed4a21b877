/** The file-state ledger: per-conversation snapshots, freshness, and its LRU bounds. */
import { describe, expect, it } from "vitest";
import { createFileStateLedger, freshness, sha256 } from "./file-state.ts";

describe("file-state ledger", () => {
  it("keeps snapshots per conversation", () => {
    const ledger = createFileStateLedger();
    ledger.record("c1", "/w/a.ts", { mtimeMs: 1, size: 2, sha256: "h" });
    expect(ledger.get("c1", "/w/a.ts")).toEqual({ mtimeMs: 1, size: 2, sha256: "h" });
    expect(ledger.get("c2", "/w/a.ts")).toBeUndefined();
    ledger.forget("c1");
    expect(ledger.get("c1", "/w/a.ts")).toBeUndefined();
  });

  it("drops the least recently used conversation and file", () => {
    const ledger = createFileStateLedger({ maxConversations: 2, maxFilesPerConversation: 2 });
    ledger.record("c1", "/a", { mtimeMs: 1, size: 1 });
    ledger.record("c2", "/a", { mtimeMs: 1, size: 1 });
    ledger.record("c1", "/b", { mtimeMs: 1, size: 1 });
    ledger.record("c3", "/a", { mtimeMs: 1, size: 1 });
    expect(ledger.get("c2", "/a")).toBeUndefined();
    expect(ledger.get("c1", "/a")).toBeDefined();
    ledger.record("c1", "/c", { mtimeMs: 1, size: 1 });
    expect(ledger.get("c1", "/a")).toBeUndefined();
    expect(ledger.get("c1", "/c")).toBeDefined();
  });

  it("judges freshness by hash when both sides have one, else by mtime and size", () => {
    const hash = sha256("content");
    expect(freshness(undefined, { mtimeMs: 1, size: 1 })).toBe("unseen");
    expect(freshness({ mtimeMs: 1, size: 7, sha256: hash }, { mtimeMs: 9, size: 7, sha256: hash })).toBe(
      "fresh",
    );
    expect(
      freshness({ mtimeMs: 1, size: 7, sha256: hash }, { mtimeMs: 1, size: 7, sha256: sha256("other") }),
    ).toBe("stale");
    expect(freshness({ mtimeMs: 1, size: 7 }, { mtimeMs: 2, size: 7, sha256: hash })).toBe("stale");
    expect(freshness({ mtimeMs: 1, size: 7 }, { mtimeMs: 1, size: 7, sha256: hash })).toBe("fresh");
  });
});
