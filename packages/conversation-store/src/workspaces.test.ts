import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore, type TestStore, user } from "./test-fixtures/open-store.ts";

let t: TestStore;

beforeEach(() => {
  t = openTestStore();
});

afterEach(() => {
  t.dispose();
});

describe("the default workspace", () => {
  it("exists from the start, titled Default, and survives a reopen", () => {
    expect(t.store.getWorkspace("default")).toEqual({
      id: "default",
      title: "Default",
      defaultCwd: null,
      defaultComputerId: null,
      createdAt: 1_000,
      lastActivityAt: 1_000,
    });
    expect(t.store.listWorkspaces()).toEqual([
      expect.objectContaining({ id: "default", conversationCount: 0 }),
    ]);
    t.clock.now = 5_000;
    t.reopen();
    expect(t.store.getWorkspace("default")?.createdAt).toBe(1_000);
  });

  it("cannot be deleted", () => {
    expect(t.store.deleteWorkspace("default")).toEqual({ error: "default" });
    expect(t.store.getWorkspace("default")).not.toBeNull();
  });
});

describe("upsertWorkspace and setters", () => {
  it("creates on miss with the id as title, then applies a patch to the existing one", () => {
    t.clock.now = 2_000;
    expect(t.store.upsertWorkspace("web")).toEqual({
      id: "web",
      title: "web",
      defaultCwd: null,
      defaultComputerId: null,
      createdAt: 2_000,
      lastActivityAt: 2_000,
    });
    t.clock.now = 3_000;
    expect(t.store.upsertWorkspace("web", { title: "Web app", defaultCwd: "/src/web" })).toMatchObject({
      title: "Web app",
      defaultCwd: "/src/web",
      createdAt: 2_000,
      lastActivityAt: 2_000,
    });
    expect(t.store.upsertWorkspace("api", { defaultCwd: "/src/api" })).toMatchObject({
      title: "api",
      defaultCwd: "/src/api",
    });
    t.reopen();
    expect(t.store.getWorkspace("web")?.title).toBe("Web app");
  });

  it("renames and sets or clears the default cwd, and answers null for unknown workspaces", () => {
    t.store.upsertWorkspace("web");
    expect(t.store.setWorkspaceTitle("web", "Frontend")?.title).toBe("Frontend");
    expect(t.store.setWorkspaceDefaultCwd("web", "/src/web")?.defaultCwd).toBe("/src/web");
    expect(t.store.setWorkspaceDefaultCwd("web", null)?.defaultCwd).toBeNull();
    t.store.setWorkspaceDefaultCwd("web", "/x");
    expect(t.store.setWorkspaceDefaultCwd("web", "")?.defaultCwd).toBeNull();
    expect(t.store.setWorkspaceTitle("nope", "x")).toBeNull();
    expect(t.store.setWorkspaceDefaultCwd("nope", "/x")).toBeNull();
    expect(t.store.getWorkspace("nope")).toBeNull();
    expect(t.store.getWorkspace("NOT A SLUG")).toBeNull();
    expect(t.store.listWorkspaces().map((workspace) => workspace.id)).not.toContain("nope");
  });

  it("rejects ids that are not slugs of 1-40 characters, everywhere a workspace can be created", () => {
    for (const bad of ["", "Web", "a b", "a/b", "ü", "x".repeat(41)]) {
      expect(() => t.store.upsertWorkspace(bad)).toThrow(/invalid workspace id/);
      expect(() => t.store.setWorkspace("c", bad)).toThrow(/invalid workspace id/);
      expect(() => t.store.ensureConversation("c", { workspaceId: bad })).toThrow(/invalid workspace id/);
    }
    expect(t.store.getMeta("c")).toBeNull();
    expect(t.store.upsertWorkspace("x".repeat(40)).id).toHaveLength(40);
    expect(t.store.upsertWorkspace("a-1").id).toBe("a-1");
  });
});

describe("extra roots", () => {
  it("are absent by default, set by upsert or setter, normalized, deduplicated and kept across a reopen", () => {
    expect(t.store.upsertWorkspace("web").extraRoots).toBeUndefined();
    expect(
      t.store.upsertWorkspace("web", { extraRoots: ["/srv/docs/", "/opt//lib", "/srv/docs"] }),
    ).toMatchObject({
      id: "web",
      extraRoots: ["/srv/docs", "/opt/lib"],
    });
    expect(t.store.upsertWorkspace("web", { title: "Web" }).extraRoots).toEqual(["/srv/docs", "/opt/lib"]);
    expect(t.store.setWorkspaceExtraRoots("web", ["/data", "/"])?.extraRoots).toEqual(["/data", "/"]);
    t.reopen();
    expect(t.store.getWorkspace("web")?.extraRoots).toEqual(["/data", "/"]);
    expect(t.store.listWorkspaces().find((workspace) => workspace.id === "web")?.extraRoots).toEqual([
      "/data",
      "/",
    ]);
    expect(t.store.setWorkspaceExtraRoots("web", [])).not.toHaveProperty("extraRoots");
    expect(t.store.getWorkspace("web")).not.toHaveProperty("extraRoots");
  });

  it("answer null for an unknown workspace and refuse relative, empty or too many paths, writing nothing", () => {
    expect(t.store.setWorkspaceExtraRoots("nope", ["/x"])).toBeNull();
    expect(t.store.getWorkspace("nope")).toBeNull();
    t.store.upsertWorkspace("web", { extraRoots: ["/keep"] });
    const tooMany = Array.from({ length: 21 }, (_, index) => `/r${index}`);
    for (const bad of [["relative/dir"], [""], ["/ok", "./x"], tooMany]) {
      expect(() => t.store.setWorkspaceExtraRoots("web", bad)).toThrow(RangeError);
      expect(() => t.store.upsertWorkspace("api", { title: "API", extraRoots: bad })).toThrow(RangeError);
    }
    expect(t.store.getWorkspace("web")?.extraRoots).toEqual(["/keep"]);
    expect(t.store.getWorkspace("api")).toBeNull();
    expect(t.store.setWorkspaceExtraRoots("web", tooMany.slice(0, 20))?.extraRoots).toHaveLength(20);
  });
});

describe("conversations and workspaces", () => {
  it("setWorkspace and ensureConversation create a missing workspace", () => {
    t.store.setWorkspace("c1", "web");
    t.store.ensureConversation("c2", { workspaceId: "api" });
    expect(t.store.getWorkspace("web")).toMatchObject({ title: "web" });
    expect(t.store.getWorkspace("api")).toMatchObject({ title: "api" });
    expect(t.store.getMeta("c2")?.workspaceId).toBe("api");
  });

  it("ensureConversation of an existing conversation neither moves it nor creates the workspace", () => {
    t.store.ensureConversation("c");
    expect(t.store.ensureConversation("c", { workspaceId: "web" }).workspaceId).toBe("default");
    expect(t.store.getWorkspace("web")).toBeNull();
  });

  it("a workspace's lastActivityAt follows its conversations' appends, not its edits", () => {
    t.clock.now = 2_000;
    t.store.upsertWorkspace("web");
    t.store.setWorkspace("c", "web");
    t.clock.now = 4_000;
    t.store.append("c", "turn-1", [user("hi")]);
    expect(t.store.getWorkspace("web")?.lastActivityAt).toBe(4_000);
    t.clock.now = 5_000;
    t.store.setWorkspaceTitle("web", "Web");
    expect(t.store.getWorkspace("web")?.lastActivityAt).toBe(4_000);
    expect(t.store.getWorkspace("default")?.lastActivityAt).toBe(1_000);
  });

  it("lists every workspace with its conversation count, most recently active first", () => {
    t.clock.now = 2_000;
    t.store.upsertWorkspace("alpha");
    t.clock.now = 3_000;
    t.store.upsertWorkspace("beta");
    t.store.setWorkspace("b1", "beta");
    t.store.setWorkspace("b2", "beta");
    t.store.setStatus("b2", "closed");
    t.clock.now = 4_000;
    t.store.append("d1", "turn-1", [user("in default")]);
    t.clock.now = 5_000;
    t.store.setWorkspace("a1", "alpha");
    t.store.append("a1", "turn-1", [user("in alpha")]);
    const list = t.store.listWorkspaces();
    expect(
      list.map((workspace) => [workspace.id, workspace.conversationCount, workspace.lastActivityAt]),
    ).toEqual([
      ["alpha", 1, 5_000],
      ["default", 1, 4_000],
      ["beta", 2, 3_000],
    ]);
  });
});

describe("deleteWorkspace", () => {
  it("closes its conversations, moves them to default and deletes it, in one go", () => {
    t.store.upsertWorkspace("web");
    t.store.setWorkspace("w1", "web");
    t.store.setWorkspace("w2", "web");
    t.store.setWorkspace("w3", "web");
    t.store.setStatus("w2", "active");
    t.store.setStatus("w3", "closed");
    t.store.append("d1", "turn-1", [user("stays")]);
    expect(t.store.deleteWorkspace("web")).toEqual({ closedCount: 2 });
    for (const id of ["w1", "w2", "w3"]) {
      expect(t.store.getMeta(id)).toMatchObject({ status: "closed", workspaceId: "default" });
    }
    expect(t.store.getMeta("d1")).toMatchObject({ status: "idle", workspaceId: "default" });
    expect(t.store.getWorkspace("web")).toBeNull();
    expect(t.store.listWorkspaces()).toEqual([
      expect.objectContaining({ id: "default", conversationCount: 4 }),
    ]);
  });

  it("answers unknown for a workspace that does not exist, and for a second delete", () => {
    expect(t.store.deleteWorkspace("ghost")).toEqual({ error: "unknown" });
    t.store.upsertWorkspace("web");
    expect(t.store.deleteWorkspace("web")).toEqual({ closedCount: 0 });
    expect(t.store.deleteWorkspace("web")).toEqual({ error: "unknown" });
  });
});
