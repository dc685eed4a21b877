/**
 * The gate every incoming frame passes, per connection and in order: the message rate (a token
 * bucket; the first dropped frame is answered, a flood of more than a burst closes with 1008), text
 * only, the frame size, JSON validation, and authentication (an unauthenticated connection may only
 * send `auth`, in a small frame). It decides; the server acts.
 */
import { CLOSE } from "./connection.ts";
import type { WsLimits } from "./options.ts";
import { errorReply, parseFrame, type WsClientMessage, type WsServerMessage } from "./protocol.ts";

/** What to do with one frame. */
export type Intake =
  | { kind: "drop" }
  | { kind: "reply"; message: WsServerMessage }
  | { kind: "close"; code: number; reason: string }
  /** A connection's first frame was `auth`: check the token. */
  | { kind: "auth"; token: string }
  | { kind: "route"; message: WsClientMessage };

/** Takes one token if available; `burst` at once, refilled at `perSecond`. */
function createTokenBucket(perSecond: number, burst: number, now: () => number): () => boolean {
  let tokens = burst;
  let last = now();
  return () => {
    const at = now();
    tokens = Math.min(burst, tokens + ((at - last) / 1000) * perSecond);
    last = at;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/** Judges the frames of one connection. */
export type FrameIntake = (raw: string | Uint8Array, authenticated: boolean) => Intake;

const AUTH_FIRST = 'authentication required: send {"type":"auth","token":"…"} first';

/** The largest frame read from a connection that has not authenticated yet (an `auth` is tiny). */
export const MAX_UNAUTHENTICATED_FRAME_BYTES = 4096;

/** Creates the gate for a new connection. */
export function createFrameIntake(
  limits: Pick<WsLimits, "maxFrameBytes" | "messagesPerSecond" | "messageBurst">,
  now: () => number,
): FrameIntake {
  const take = createTokenBucket(limits.messagesPerSecond, limits.messageBurst, now);
  let dropped = 0;

  return function judgeFrame(raw, authenticated) {
    if (!take()) {
      dropped += 1;
      if (dropped > limits.messageBurst) {
        const reason = `rate limit exceeded: at most ${limits.messagesPerSecond} messages per second`;
        return { kind: "close", code: CLOSE.policy, reason };
      }
      if (dropped > 1) return { kind: "drop" };
      const message = `too many messages: at most ${limits.messagesPerSecond} per second; extra messages are dropped`;
      return { kind: "reply", message: errorReply(message) };
    }
    dropped = 0;
    if (typeof raw !== "string") {
      return { kind: "reply", message: errorReply("send JSON text frames; binary frames are not accepted") };
    }
    if (!authenticated && raw.length > MAX_UNAUTHENTICATED_FRAME_BYTES) {
      // Not even parsed: a client without the token gets no work out of the server.
      return { kind: "close", code: CLOSE.policy, reason: AUTH_FIRST };
    }
    const bytes = raw.length > limits.maxFrameBytes ? raw.length : Buffer.byteLength(raw);
    if (bytes > limits.maxFrameBytes) {
      const message = `frame too large: ${bytes} bytes; the limit is ${limits.maxFrameBytes} bytes`;
      return { kind: "reply", message: errorReply(message) };
    }
    const parsed = parseFrame(raw);
    if (!authenticated) {
      if (parsed.ok && parsed.message.type === "auth") return { kind: "auth", token: parsed.message.token };
      return { kind: "close", code: CLOSE.policy, reason: AUTH_FIRST };
    }
    if (!parsed.ok) return { kind: "reply", message: parsed.reply };
    if (parsed.message.type === "auth") {
      return {
        kind: "reply",
        message: errorReply("already authenticated: send auth once, as the first message"),
      };
    }
    return { kind: "route", message: parsed.message };
  };
}
