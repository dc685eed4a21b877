/**
 * The collection after a burst: only once no turn runs, after the quiet period, and only when the
 * process grew by the threshold since the last one; a turn that starts meanwhile cancels it.
 */
import { createHost, nullLogger } from "@dispatch/kernel";
import { turnSettled } from "@dispatch/session-orchestrator";
import { describe, expect, it } from "vitest";
import { collectWhenIdle } from "./idle-gc.ts";

const MB = 1024 * 1024;

function setup() {
  const host = createHost({ extensions: [], logger: nullLogger, now: Date.now, sleep: Bun.sleep });
  const state = { active: 0, rss: 100 * MB, collections: 0 };
  const stop = collectWhenIdle(
    host.api,
    { activeTurns: () => state.active },
    {
      quietMs: 5,
      growthBytes: 16 * MB,
      rss: () => state.rss,
      collect: () => {
        state.collections += 1;
        state.rss = 105 * MB;
      },
    },
  );
  const settled = () => host.api.emit(turnSettled, { conversationId: "c", turnId: "t", sealed: true });
  return { state, stop, settled };
}

const quiet = () => Bun.sleep(30);

describe("collectWhenIdle", () => {
  it("collects once the daemon is quiet after the process grew by the threshold, then measures from there", async () => {
    const { state, stop, settled } = setup();
    state.rss = 110 * MB;
    settled();
    await quiet();
    expect(state.collections).toBe(0);
    state.rss = 130 * MB;
    settled();
    await quiet();
    expect(state.collections).toBe(1);
    state.rss = 115 * MB;
    settled();
    await quiet();
    expect(state.collections).toBe(1);
    stop();
  });

  it("waits while turns run, and a turn running when the quiet period ends cancels the collection", async () => {
    const { state, stop, settled } = setup();
    state.rss = 200 * MB;
    state.active = 1;
    settled();
    await quiet();
    expect(state.collections).toBe(0);
    state.active = 0;
    settled();
    state.active = 1;
    await quiet();
    expect(state.collections).toBe(0);
    state.active = 0;
    settled();
    await quiet();
    expect(state.collections).toBe(1);
    stop();
    settled();
    await quiet();
    expect(state.collections).toBe(1);
  });
});
