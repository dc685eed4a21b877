/**
 * Fan-out under load: 100 WebSocket subscribers on one streaming turn each receive every event in
 * order (indexes 0..n-1 ending with `turn-sealed`), while one subscriber that stopped reading is
 * disconnected with 1013 and a reason once its unsent data passes the limit; no client's queue ever
 * grows past that limit. The stalled client is raw TCP, so the kernel's socket buffers (a few MB
 * on loopback, read from /proc) fill first: the turn streams twice that much.
 */
import { readFileSync } from "node:fs";
import { textReply } from "@dispatch/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { stalledSubscriber } from "./clients.test.ts";
import { MODEL, startTestDaemon, type TestDaemon } from "./harness.test.ts";
import type { WsServerMessage } from "./protocol.ts";

const SUBSCRIBERS = 100;
const MAX_BUFFERED = 512 * 1024;
const TOKEN_BYTES = 20_000;

/** What the kernel holds for a peer that stopped reading: the send buffer's cap plus the receive window. */
function kernelSocketBytes(): number {
  try {
    const field = (file: string, at: number) => Number(readFileSync(file, "utf8").trim().split(/\s+/)[at]);
    return field("/proc/sys/net/ipv4/tcp_wmem", 2) + field("/proc/sys/net/ipv4/tcp_rmem", 1);
  } catch {
    return 8 * 1024 * 1024;
  }
}

/** Twice what the stalled client can absorb before the server's own limit applies. */
const TOKENS = Math.ceil((2 * (kernelSocketBytes() + MAX_BUFFERED)) / TOKEN_BYTES);

let daemon: TestDaemon;

beforeAll(async () => {
  daemon = await startTestDaemon({ limits: { maxBufferedBytes: MAX_BUFFERED } });
});

afterAll(async () => {
  await daemon.close();
});

interface Tally {
  events: number;
  inOrder: boolean;
  sealed: boolean;
  closedEarly: boolean;
}

/** A subscriber that keeps only counters: the next expected index and whether the turn sealed. */
function countingSubscriber(url: string, conversationId: string): Promise<{ done: Promise<Tally> }> {
  const socket = new WebSocket(url);
  const tally: Tally = { events: 0, inOrder: true, sealed: false, closedEarly: false };
  let finish: (tally: Tally) => void = () => {};
  const done = new Promise<Tally>((resolve) => {
    finish = resolve;
  });
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as WsServerMessage;
    if (message.type !== "chat.delta") return;
    if (message.index !== tally.events) tally.inOrder = false;
    tally.events += 1;
    if (message.event.type !== "turn-sealed") return;
    tally.sealed = true;
    socket.close();
    finish(tally);
  });
  socket.on("close", () => {
    tally.closedEarly = !tally.sealed;
    finish(tally);
  });
  socket.on("error", () => {});
  return new Promise((resolve) => {
    socket.on("open", () => {
      socket.send(JSON.stringify({ type: "chat.subscribe", conversationId }));
      resolve({ done });
    });
  });
}

describe("fan-out to 100 subscribers and one stalled one", () => {
  it("keeps everyone in order and cuts only the stalled client, with a reason", async () => {
    const id = crypto.randomUUID();
    const subscribers = await Promise.all(
      Array.from({ length: SUBSCRIBERS }, () => countingSubscriber(daemon.wsUrl, id)),
    );
    const stalled = await stalledSubscriber(daemon.wsUrl, id);

    const tokens = Array.from(
      { length: TOKENS },
      (_, i) => `${String(i).padStart(6, "0")}${"x".repeat(TOKEN_BYTES)} `,
    );
    daemon.model.enqueue(textReply(tokens, { tokenDelayMs: 1 }));
    const response = await daemon.http("/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ conversationId: id, message: "stream a lot", model: MODEL }),
    });
    await response.text();

    const tallies = await Promise.all(subscribers.map((s) => s.done));
    const expectedEvents = tallies[0]?.events ?? 0;
    expect(expectedEvents).toBeGreaterThan(TOKENS);
    for (const tally of tallies) {
      expect(tally).toEqual({ events: expectedEvents, inOrder: true, sealed: true, closedEarly: false });
    }

    const cut = await stalled.drain();
    expect(cut.closeCode).toBe(1013);
    expect(cut.closeReason).toBe(`slow consumer: over ${MAX_BUFFERED} bytes unsent; reconnect and resync`);
    const stats = daemon.ws.stats();
    expect(stats.slowConsumersCut).toBe(1);
    expect(stats.peakBufferedBytes).toBeLessThanOrEqual(MAX_BUFFERED + TOKEN_BYTES + 1024);
  }, 60_000);
});
