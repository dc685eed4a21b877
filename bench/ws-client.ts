/**
 * A chat subscriber over the WebSocket, the same for the daemon (`SURFACE_WS_PORT`, token as the
 * `dispatch.token.<token>` subprotocol) and the relay (`/ws`): `chat.subscribe`, then a probe whose
 * `error` reply proves the subscription was processed, then count `chat.delta` frames until
 * `turn-sealed`, checking that each frame's `index` follows the last (nothing dropped or reordered).
 */
import { preciseNow } from "@dispatch/testkit";
import type { AgentEvent } from "@dispatch/transport-contract";
import type { Target } from "./targets.ts";

/** What one subscriber saw of a turn. */
export interface SubscriberResult {
  frames: number;
  textDeltas: number;
  text: string;
  /** False when an `index` skipped or went back, or no `index` was sent. */
  inOrder: boolean;
  sealedAt: number;
}

/** A subscribed socket. */
export interface Subscriber {
  /** Resolves at `turn-sealed`; rejects if the socket closes first. */
  done: Promise<SubscriberResult>;
  close(): void;
}

/** Thrown when nothing listens on the target's WebSocket address. */
export class WsUnavailable extends Error {}

const PROBE = JSON.stringify({ type: "subscribe", surfaceId: "bench-probe" });
const OPEN_TIMEOUT_MS = 5000;

function open(target: Target): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target.wsUrl, target.token ? [`dispatch.token.${target.token}`] : []);
    const timer = setTimeout(() => {
      ws.close();
      reject(new WsUnavailable(`${target.wsUrl} did not open in ${OPEN_TIMEOUT_MS} ms`));
    }, OPEN_TIMEOUT_MS);
    ws.onopen = () => {
      clearTimeout(timer);
      resolve(ws);
    };
    ws.onerror = () => {
      clearTimeout(timer);
      reject(new WsUnavailable(`nothing accepts WebSocket connections at ${target.wsUrl}`));
    };
  });
}

/** Opens a socket, subscribes to `conversationId` and waits until the server processed it. */
export async function subscribe(target: Target, conversationId: string): Promise<Subscriber> {
  const ws = await open(target);
  const result: SubscriberResult = {
    frames: 0,
    textDeltas: 0,
    text: "",
    inOrder: true,
    sealedAt: Number.NaN,
  };
  let expectedIndex: number | undefined;
  let ready: () => void = () => {};
  const subscribed = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const done = new Promise<SubscriberResult>((resolve, reject) => {
    ws.onclose = (event) =>
      reject(new Error(`socket closed before turn-sealed (${event.code} ${event.reason})`));
    ws.onmessage = (message) => {
      const frame = JSON.parse(String(message.data)) as { type: string; event?: AgentEvent; index?: number };
      if (frame.type === "error") return ready();
      if (frame.type !== "chat.delta" || !frame.event) return;
      result.frames += 1;
      const event = frame.event;
      // Status broadcasts are not part of a turn and carry no index.
      if (event.type !== "status") {
        if (frame.index === undefined || (expectedIndex !== undefined && frame.index !== expectedIndex)) {
          result.inOrder = false;
        }
        expectedIndex = (frame.index ?? 0) + 1;
      }
      if (event.type === "text-delta") {
        result.textDeltas += 1;
        result.text += event.delta;
      } else if (event.type === "turn-sealed") {
        result.sealedAt = preciseNow();
        resolve(result);
      }
    };
  });
  // A rejection after the caller stopped waiting must not surface as unhandled.
  done.catch(() => {});
  ws.send(JSON.stringify({ type: "chat.subscribe", conversationId }));
  ws.send(PROBE);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no reply to the probe from ${target.wsUrl}`)),
      OPEN_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([subscribed, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return {
    done,
    close() {
      ws.onclose = null;
      ws.close();
    },
  };
}
