/**
 * todo_write on a real host with the real SQLite storage extension in a temp dir: the list is
 * replaced, persisted across a restart, readable through `todoService`, announced through
 * `todoChanged`, kept per conversation, and bad input is explained.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, type Extension, type Host, KERNEL_API_VERSION, nullLogger } from "@dispatch/kernel";
import { createStorageSqliteExtension } from "@dispatch/storage-sqlite";
import { createTestToolContext } from "@dispatch/tool-kit/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTodoExtension } from "./extension.ts";
import { type TodoChanged, todoChanged, todoService } from "./handles.ts";

let dir: string;
let hosts: Host[] = [];
let events: TodoChanged[] = [];

const listener: Extension = {
  manifest: { id: "todo-listener", version: "0.1.0", apiVersion: KERNEL_API_VERSION, dependsOn: ["todo"] },
  activate(host) {
    host.on(todoChanged, (event) => void events.push(event));
  },
};

async function start(): Promise<Host> {
  const host = createHost({
    extensions: [
      createTodoExtension(),
      createStorageSqliteExtension({ path: join(dir, "dispatch.db") }),
      listener,
    ],
    logger: nullLogger,
    now: Date.now,
    sleep: (ms) => Bun.sleep(ms),
  });
  await host.activate();
  expect(host.status().every((s) => s.state === "active")).toBe(true);
  hosts.push(host);
  return host;
}

function write(host: Host, todos: unknown, conversationId = "conv-a") {
  const tool = host.api.tool("todo_write");
  if (tool === undefined) throw new Error("todo_write not registered");
  return tool.execute({ todos }, createTestToolContext({ conversationId }));
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "todo-"));
  events = [];
});
afterEach(async () => {
  for (const host of hosts) await host.deactivate();
  hosts = [];
  await rm(dir, { recursive: true, force: true });
});

describe("todo_write", () => {
  it("replaces the list and answers with a checklist", async () => {
    const host = await start();
    await write(host, [{ content: "old task", status: "pending" }]);
    const result = await write(host, [
      { content: "Write tests", status: "completed" },
      { content: "  Implement parser  ", status: "in_progress" },
      { content: "Update README", status: "pending" },
      { content: "Port to Deno", status: "cancelled" },
    ]);
    expect(result).toEqual({
      content:
        "Task list updated: 1 of 4 completed, 1 in progress.\n[x] Write tests\n[>] Implement parser\n[ ] Update README\n[-] Port to Deno",
    });
    expect(
      host.api
        .getService(todoService)
        .get("conv-a")
        .map((t) => t.content),
    ).toEqual(["Write tests", "Implement parser", "Update README", "Port to Deno"]);
  });

  it("persists lists across a restart, per conversation", async () => {
    const first = await start();
    await write(first, [{ content: "survive restarts", status: "in_progress" }], "conv-a");
    await write(first, [{ content: "other conversation", status: "pending" }], "conv-b");
    await first.deactivate();
    hosts = [];
    const second = await start();
    const todos = second.api.getService(todoService);
    expect(todos.get("conv-a")).toEqual([{ content: "survive restarts", status: "in_progress" }]);
    expect(todos.get("conv-b")).toEqual([{ content: "other conversation", status: "pending" }]);
    expect(todos.get("conv-none")).toEqual([]);
  });

  it("emits todoChanged with the new list", async () => {
    const host = await start();
    await write(host, [{ content: "a", status: "pending" }], "conv-x");
    await write(host, [], "conv-x");
    expect(events).toEqual([
      { conversationId: "conv-x", todos: [{ content: "a", status: "pending" }] },
      { conversationId: "conv-x", todos: [] },
    ]);
    expect(host.api.getService(todoService).get("conv-x")).toEqual([]);
  });

  it("clears the list with an empty array", async () => {
    const host = await start();
    await write(host, [{ content: "a", status: "pending" }]);
    expect((await write(host, [])).content).toBe("Task list cleared.");
  });

  it("explains invalid tasks without touching the stored list", async () => {
    const host = await start();
    await write(host, [{ content: "keep me", status: "pending" }]);
    const result = await write(host, [{ content: " ", status: "doing" }, { status: "pending" }]);
    expect(result.isError).toBe(true);
    expect(result.content).toContain("`todos[0].content`: must not be empty");
    expect(result.content).toContain(
      '`todos[0].status`: Invalid option: expected one of "pending"|"in_progress"|"completed"|"cancelled"',
    );
    expect(result.content).toContain("`todos[1].content` is required (expected string)");
    expect(host.api.getService(todoService).get("conv-a")).toEqual([
      { content: "keep me", status: "pending" },
    ]);
    expect(events).toHaveLength(1);
  });
});
