/**
 * The bounded send path against a peer that reports its queue the way Bun's socket does: sends
 * pass while the queue is under the limit; a dropped send or a queue over the limit closes the
 * connection with 1013 and a reason, once, and later sends are ignored.
 */
import { nullLogger } from "@dispatch/kernel";
import { describe, expect, it } from "vitest";
import { createConnection, type Peer, truncate } from "./connection.ts";

function peer(queueBytes: () => number, result: () => number = () => 1) {
  const sent: string[] = [];
  const closes: [number | undefined, string | undefined][] = [];
  const socket: Peer = {
    send: (text) => {
      sent.push(text);
      return result();
    },
    getBufferedAmount: queueBytes,
    close: (code, reason) => closes.push([code, reason]),
  };
  return { socket, sent, closes };
}

function open(socket: Peer) {
  const stats = { peakBufferedBytes: 0, slowConsumersCut: 0 };
  const connection = createConnection({
    id: 1,
    peer: socket,
    authenticated: true,
    maxBufferedBytes: 100,
    stats,
    logger: nullLogger,
  });
  return { connection, stats };
}

describe("connection send buffer", () => {
  it("sends while the queue stays under the limit", () => {
    let queued = 0;
    const p = peer(() => queued);
    const { connection, stats } = open(p.socket);
    connection.send({ type: "error", message: "a" });
    queued = 100;
    connection.sendText("b");
    expect(p.sent).toEqual(['{"type":"error","message":"a"}', "b"]);
    expect(p.closes).toEqual([]);
    expect(stats.peakBufferedBytes).toBe(100);
  });

  it("cuts a client whose queue passes the limit, once, with a reason", () => {
    let queued = 0;
    const p = peer(() => queued);
    const { connection, stats } = open(p.socket);
    queued = 101;
    connection.sendText("x");
    connection.sendText("y");
    expect(p.sent).toEqual(["x"]);
    expect(p.closes).toEqual([[1013, "slow consumer: over 100 bytes unsent; reconnect and resync"]]);
    expect(stats.slowConsumersCut).toBe(1);
    expect(connection.closed).toBe(true);
  });

  it("cuts a client when the socket drops a send", () => {
    const p = peer(
      () => 0,
      () => 0,
    );
    const { connection } = open(p.socket);
    connection.sendText("x");
    expect(p.closes[0]?.[0]).toBe(1013);
  });
});

describe("truncate", () => {
  it("keeps close reasons within 123 bytes without splitting characters", () => {
    expect(truncate("short", 123)).toBe("short");
    const cut = truncate("é".repeat(100), 123);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123);
    expect(cut.endsWith("…")).toBe(true);
    expect(cut).toMatch(/^é+…$/);
  });
});
