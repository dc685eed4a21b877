/**
 * The frame gate with a manual clock: the rate limit answers the first dropped frame, drops the
 * rest silently, refills over time and closes a flood; size and binary checks reply; before
 * authentication only `auth` passes; after it, `auth` is refused politely.
 */
import { describe, expect, it } from "vitest";
import { createFrameIntake, MAX_UNAUTHENTICATED_FRAME_BYTES } from "./intake.ts";

const subscribe = JSON.stringify({ type: "subscribe", surfaceId: "s" });

function gateWith(
  overrides: { messagesPerSecond?: number; messageBurst?: number; maxFrameBytes?: number } = {},
) {
  let now = 0;
  const intake = createFrameIntake(
    { maxFrameBytes: 1000, messagesPerSecond: 2, messageBurst: 3, ...overrides },
    () => now,
  );
  return { intake, advance: (ms: number) => (now += ms) };
}

describe("frame intake", () => {
  it("lets a burst through, answers the first excess frame, drops the rest, and refills", () => {
    const { intake, advance } = gateWith();
    const kinds = Array.from({ length: 6 }, () => intake(subscribe, true).kind);
    expect(kinds).toEqual(["route", "route", "route", "reply", "drop", "drop"]);
    advance(500);
    expect(intake(subscribe, true).kind).toBe("route");
    expect(intake(subscribe, true).kind).toBe("reply");
  });

  it("closes with 1008 once a flood passes a second burst", () => {
    const { intake } = gateWith();
    const results = Array.from({ length: 7 }, () => intake(subscribe, true));
    expect(results.at(-1)).toEqual({
      kind: "close",
      code: 1008,
      reason: "rate limit exceeded: at most 2 messages per second",
    });
  });

  it("answers a frame over the size limit, counting UTF-8 bytes", () => {
    const { intake } = gateWith({ messageBurst: 10 });
    const text = JSON.stringify({ type: "chat.send", message: "é".repeat(600) });
    const result = intake(text, true);
    expect(result.kind).toBe("reply");
    expect(result.kind === "reply" && result.message).toMatchObject({
      type: "error",
      message: `frame too large: ${Buffer.byteLength(text)} bytes; the limit is 1000 bytes`,
    });
  });

  it("answers binary frames", () => {
    const { intake } = gateWith();
    expect(intake(new Uint8Array([1]), true)).toMatchObject({ kind: "reply" });
  });

  it("accepts only auth before authentication, and refuses auth after it", () => {
    const { intake } = gateWith({ messageBurst: 10 });
    expect(intake(JSON.stringify({ type: "auth", token: "t" }), false)).toEqual({ kind: "auth", token: "t" });
    expect(intake(subscribe, false)).toMatchObject({ kind: "close", code: 1008 });
    expect(intake("not json", false)).toMatchObject({ kind: "close", code: 1008 });
    const again = intake(JSON.stringify({ type: "auth", token: "t" }), true);
    expect(again.kind === "reply" && again.message).toMatchObject({ type: "error" });
  });

  it("closes an unauthenticated connection on a frame too large to be an auth, without parsing it", () => {
    const { intake } = gateWith({ maxFrameBytes: 1_000_000 });
    const big = JSON.stringify({ type: "auth", token: "t".repeat(MAX_UNAUTHENTICATED_FRAME_BYTES) });
    expect(intake(big, false)).toMatchObject({ kind: "close", code: 1008 });
    expect(intake(big, true)).toMatchObject({ kind: "reply" });
  });
});
