import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHost, type Host, nullLogger, storageService } from "@dispatch/kernel";
import { turnSealing } from "@dispatch/session-orchestrator";
import { createStorageSqliteExtension } from "@dispatch/storage-sqlite";
import type { TurnMetrics } from "@dispatch/wire";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createThroughputStoreExtension } from "./extension.ts";
import { throughputQuerySchema } from "./query.ts";
import { throughputService } from "./types.ts";

let dir: string;
let clock: { now: number };
let hosts: Host[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "throughput-store-"));
  clock = { now: Date.parse("2026-11-19T12:00:00Z") };
  hosts = [];
});

afterEach(async () => {
  for (const host of hosts) await host.deactivate();
  rmSync(dir, { recursive: true, force: true });
});

async function boot(): Promise<Host> {
  const host = createHost({
    extensions: [
      createThroughputStoreExtension(),
      createStorageSqliteExtension({ path: join(dir, "db.sqlite") }),
    ],
    logger: nullLogger,
    now: () => clock.now,
    sleep: async () => {},
  });
  await host.activate();
  hosts.push(host);
  return host;
}

/** A sealed turn's metrics: one step per `[outputTokens, genTotalMs]` pair. */
function metrics(...steps: [outputTokens: number, genTotalMs: number | undefined][]): TurnMetrics {
  const outputTokens = steps.reduce((sum, [tokens]) => sum + tokens, 0);
  return {
    turnId: "turn-1",
    usage: { inputTokens: 1_000, outputTokens },
    steps: steps.map(([tokens, genTotalMs], index) => ({
      stepId: `turn-1#${index}`,
      usage: { inputTokens: 500, outputTokens: tokens },
      ...(genTotalMs === undefined ? {} : { genTotalMs }),
    })),
  };
}

/** Seals a turn as the orchestrator does: `turnSealing` inside the seal's transaction. */
function settle(host: Host, iso: string, model: string, turn: TurnMetrics) {
  clock.now = Date.parse(iso);
  host.api.getService(storageService).sql.transaction(() => {
    host.api.emit(turnSealing, {
      conversationId: "c",
      turnId: "turn-1",
      finishReason: "stop",
      model,
      metrics: turn,
    });
  });
}

describe("createThroughputStoreExtension", () => {
  it("activates after storage and declares only that dependency", async () => {
    const host = await boot();
    expect(host.status().map((status) => [status.id, status.state])).toEqual([
      ["storage-sqlite", "active"],
      ["throughput-store", "active"],
    ]);
    expect(createThroughputStoreExtension().manifest.dependsOn).toEqual(["storage-sqlite"]);
  });

  it("records sealed turns from turnSealing and aggregates them per model, fastest first", async () => {
    const host = await boot();
    settle(host, "2026-11-17T10:00:00Z", "local/fast", metrics([300, 1_000], [100, 1_000])); // 200 tok/s
    settle(host, "2026-11-18T10:00:00Z", "local/fast", metrics([50, 1_000])); // total 450 / 3 s
    settle(host, "2026-11-18T11:00:00Z", "cloud/slow", metrics([20, 2_000], [0, undefined]));
    // Not recorded: no generation time.
    settle(host, "2026-11-18T12:00:00Z", "local/fast", metrics([999, 0]));

    const week = host.api.getService(throughputService).aggregate({ period: "week", date: "2026-11-22" });
    expect(week).toEqual({
      period: "week",
      date: "2026-11-22",
      start: Date.parse("2026-11-16T00:00:00Z"),
      end: Date.parse("2026-11-23T00:00:00Z"),
      models: [
        { model: "local/fast", tokensPerSecond: 150, totalOutputTokens: 450, totalGenMs: 3_000, turns: 2 },
        { model: "cloud/slow", tokensPerSecond: 10, totalOutputTokens: 20, totalGenMs: 2_000, turns: 1 },
      ],
    });
  });

  it("cuts periods at UTC boundaries and defaults the date to today", async () => {
    const host = await boot();
    settle(host, "2026-11-15T23:59:59.999Z", "m", metrics([10, 1_000])); // Sunday: previous week
    settle(host, "2026-11-16T00:00:00Z", "m", metrics([20, 1_000])); // Monday
    settle(host, "2026-11-22T23:59:59.999Z", "m", metrics([40, 1_000])); // Sunday
    settle(host, "2026-12-01T00:00:00Z", "m", metrics([80, 1_000])); // next month
    const service = host.api.getService(throughputService);
    const tokens = (query: { period: "day" | "week" | "month"; date?: string }) =>
      service.aggregate(query).models[0]?.totalOutputTokens ?? 0;

    expect(tokens({ period: "week", date: "2026-11-16" })).toBe(60);
    expect(tokens({ period: "week", date: "2026-11-15" })).toBe(10);
    expect(tokens({ period: "day", date: "2026-11-22" })).toBe(40);
    expect(tokens({ period: "month", date: "2026-11" })).toBe(70);
    expect(tokens({ period: "month", date: "2026-12-25" })).toBe(80);

    clock.now = Date.parse("2026-11-16T08:00:00Z");
    expect(service.aggregate({ period: "day" })).toMatchObject({
      date: "2026-11-16",
      models: [{ turns: 1 }],
    });
    expect(service.aggregate(throughputQuerySchema.parse({ period: "week" })).models[0]?.turns).toBe(2);
    expect(service.aggregate({ period: "day", date: "2026-11-17" }).models).toEqual([]);
    expect(() => service.aggregate({ period: "day", date: "2026-02-30" })).toThrow(/invalid day date/);
  });

  it("writes the sample in the seal's transaction: a seal that rolls back leaves no sample", async () => {
    const host = await boot();
    clock.now = Date.parse("2026-11-19T10:00:00Z");
    const sealing = { conversationId: "c", turnId: "turn-1", finishReason: "stop", model: "m" };
    expect(() =>
      host.api.getService(storageService).sql.transaction(() => {
        host.api.emit(turnSealing, { ...sealing, metrics: metrics([30, 1_500]) });
        throw new Error("the seal failed");
      }),
    ).toThrow("the seal failed");
    const service = host.api.getService(throughputService);
    expect(service.aggregate({ period: "day" }).models).toEqual([]);
    settle(host, "2026-11-19T10:00:00Z", "m", metrics([30, 1_500]));
    expect(service.aggregate({ period: "day" }).models).toHaveLength(1);
  });

  it("keeps samples across a restart", async () => {
    const first = await boot();
    settle(first, "2026-11-19T10:00:00Z", "m", metrics([30, 1_500]));
    await first.deactivate();
    const second = await boot();
    expect(second.api.getService(throughputService).aggregate({ period: "day" }).models).toEqual([
      { model: "m", tokensPerSecond: 20, totalOutputTokens: 30, totalGenMs: 1_500, turns: 1 },
    ]);
  });
});
