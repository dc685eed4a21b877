/**
 * Background start-up work: every task runs, in order, one per macrotask (so other work interleaves),
 * a throwing task is reported and does not stop the rest, and the tool tasks read each tool's schema.
 */
import type { Tool } from "@dispatch/kernel";
import { describe, expect, it } from "vitest";
import { runInBackground, toolSchemaTasks } from "./background.ts";

describe("runInBackground", () => {
  it("runs every task in order, one per macrotask", async () => {
    const order: string[] = [];
    const done = runInBackground([() => order.push("t1"), () => order.push("t2"), () => order.push("t3")]);
    expect(order).toEqual([]);
    setImmediate(() => order.push("other"));
    await done;
    expect(order).toEqual(["t1", "other", "t2", "t3"]);
  });

  it("reports a throwing task and still runs the others", async () => {
    const ran: number[] = [];
    const errors: unknown[] = [];
    const failure = new Error("schema cannot be derived");
    await runInBackground(
      [
        () => ran.push(1),
        () => {
          throw failure;
        },
        () => ran.push(3),
      ],
      (err) => errors.push(err),
    );
    expect(ran).toEqual([1, 3]);
    expect(errors).toEqual([failure]);
  });

  it("resolves at once with no tasks, and a throwing onError does not reject", async () => {
    await expect(runInBackground([])).resolves.toBeUndefined();
    await expect(
      runInBackground(
        [
          () => {
            throw new Error("x");
          },
        ],
        () => {
          throw new Error("y");
        },
      ),
    ).resolves.toBeUndefined();
  });
});

describe("toolSchemaTasks", () => {
  it("reads each tool's input schema once", async () => {
    const reads: string[] = [];
    const tool = (name: string): Tool => ({
      name,
      description: name,
      get inputSchema() {
        reads.push(name);
        return { type: "object" };
      },
      concurrencySafe: false,
      execute: async () => ({ content: "" }),
    });
    await runInBackground(toolSchemaTasks([tool("a"), tool("b")]));
    expect(reads).toEqual(["a", "b"]);
  });
});
