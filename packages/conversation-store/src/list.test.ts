import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore, type TestStore, user } from "./test-fixtures/open-store.ts";
import type { ConversationFilter } from "./types.ts";

let t: TestStore;

beforeEach(() => {
  t = openTestStore();
  const seed: [id: string, workspace: string, status: "active" | "idle" | "closed", title: string][] = [
    ["abc-1", "default", "idle", "Fix the build"],
    ["abc-2", "web", "active", "ÉCOLE homework"],
    ["a%c-3", "web", "closed", "Refactor parser"],
    ["a_c-4", "default", "idle", "fix flaky test"],
    ["ABC-5", "default", "closed", "Unrelated"],
  ];
  for (const [id, workspace, status, title] of seed) {
    t.clock.now += 1_000;
    t.store.ensureConversation(id, { workspaceId: workspace });
    t.store.append(id, "turn-1", [user(title)]);
    t.store.setStatus(id, status);
  }
});

afterEach(() => {
  t.dispose();
});

const ids = (filter?: ConversationFilter) => t.store.listConversations(filter).map((meta) => meta.id);

describe("listConversations", () => {
  it("lists newest activity first, with titles from the first user message", () => {
    expect(ids()).toEqual(["ABC-5", "a_c-4", "a%c-3", "abc-2", "abc-1"]);
    t.clock.now += 1_000;
    t.store.append("abc-1", "turn-2", [user("more")]);
    expect(ids()[0]).toBe("abc-1");
    expect(t.store.listConversations({ limit: 1 })[0]).toMatchObject({ id: "abc-1", title: "Fix the build" });
  });

  it("filters by a status list and by workspace", () => {
    expect(ids({ status: ["idle"] })).toEqual(["a_c-4", "abc-1"]);
    expect(ids({ status: ["active", "closed"] })).toEqual(["ABC-5", "a%c-3", "abc-2"]);
    expect(ids({ status: [] })).toHaveLength(5);
    expect(ids({ workspaceId: "web" })).toEqual(["a%c-3", "abc-2"]);
    expect(ids({ workspaceId: "web", status: ["closed"] })).toEqual(["a%c-3"]);
    expect(ids({ workspaceId: "nowhere" })).toEqual([]);
  });

  it("matches an id prefix literally: case-sensitive, % and _ are plain characters", () => {
    expect(ids({ idPrefix: "abc" })).toEqual(["abc-2", "abc-1"]);
    expect(ids({ idPrefix: "a%" })).toEqual(["a%c-3"]);
    expect(ids({ idPrefix: "a_" })).toEqual(["a_c-4"]);
    expect(ids({ idPrefix: "ABC" })).toEqual(["ABC-5"]);
    expect(ids({ idPrefix: "%" })).toEqual([]);
  });

  it("matches a title substring case-insensitively, Unicode included, then applies the limit", () => {
    expect(ids({ titleContains: "FIX" })).toEqual(["a_c-4", "abc-1"]);
    expect(ids({ titleContains: "école" })).toEqual(["abc-2"]);
    expect(ids({ titleContains: "fix", limit: 1 })).toEqual(["a_c-4"]);
    expect(ids({ titleContains: "%" })).toEqual([]);
  });

  it("applies a positive limit and ignores an invalid one", () => {
    expect(ids({ limit: 2 })).toEqual(["ABC-5", "a_c-4"]);
    expect(ids({ limit: 0 })).toHaveLength(5);
    expect(ids({ limit: 2.5 })).toHaveLength(5);
  });
});
