/**
 * Test clients for the transport's end-to-end tests (this file holds no tests): a recording
 * WebSocket client whose waits are bounded, a raw-TCP subscriber that stops reading, a probe for
 * refused upgrades, and an NDJSON reader.
 */
import { connect as connectTcp } from "node:net";
import type { AgentEvent } from "@dispatch/wire";
import WebSocket from "ws";
import type { WsServerMessage } from "./protocol.ts";

/** How a socket closed. */
export interface Closed {
  code: number;
  reason: string;
}

/** A WebSocket client that records every message. */
export interface TestClient {
  readonly socket: WebSocket;
  /** Every message received, in order. */
  readonly received: WsServerMessage[];
  send(message: object | string): void;
  /** The first received message (searching from the start) matching `predicate`, waiting if needed. */
  waitFor<T extends WsServerMessage = WsServerMessage>(
    predicate: (message: WsServerMessage) => boolean,
    timeoutMs?: number,
  ): Promise<T>;
  /** The `chat.delta` events of a conversation received so far. */
  events(conversationId: string): AgentEvent[];
  /** Waits until this client saw `n` events of `type` in the conversation; returns all its events. */
  waitForEvent(
    conversationId: string,
    type: AgentEvent["type"],
    n?: number,
    timeoutMs?: number,
  ): Promise<AgentEvent[]>;
  readonly closed: Promise<Closed>;
  close(): Promise<Closed>;
}

/** Options of `connect`. */
export interface ConnectOptions {
  headers?: Record<string, string>;
  protocols?: string[];
}

/** Opens a client; resolves once the socket is open. */
export function connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  const socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
  const received: WsServerMessage[] = [];
  const waiters = new Set<() => void>();
  let resolveClosed: (closed: Closed) => void = () => {};
  const closed = new Promise<Closed>((resolve) => {
    resolveClosed = resolve;
  });
  socket.on("message", (data) => {
    received.push(JSON.parse(String(data)) as WsServerMessage);
    for (const waiter of [...waiters]) waiter();
  });
  socket.on("close", (code, reason) => {
    resolveClosed({ code, reason: String(reason) });
    for (const waiter of [...waiters]) waiter();
  });
  socket.on("error", () => {});

  const client: TestClient = {
    socket,
    received,
    send: (message) => socket.send(typeof message === "string" ? message : JSON.stringify(message)),
    waitFor<T extends WsServerMessage>(predicate: (message: WsServerMessage) => boolean, timeoutMs = 5000) {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const found = received.find(predicate);
          if (found === undefined) return false;
          finish();
          resolve(found as T);
          return true;
        };
        const timer = setTimeout(() => {
          finish();
          const seen = received.map((m) => (m.type === "chat.delta" ? `chat.delta:${m.event.type}` : m.type));
          reject(new Error(`timed out waiting for a message; received: ${seen.join(", ")}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        const waiter = () => void check();
        if (!check()) waiters.add(waiter);
      });
    },
    events: (conversationId) =>
      received.flatMap((m) =>
        m.type === "chat.delta" && m.event.conversationId === conversationId ? [m.event] : [],
      ),
    async waitForEvent(conversationId, type, n = 1, timeoutMs = 10_000) {
      let seen = 0;
      let scanned = 0;
      await client.waitFor(() => {
        for (; scanned < received.length; scanned++) {
          const m = received[scanned];
          if (m?.type === "chat.delta" && m.event.conversationId === conversationId && m.event.type === type)
            seen++;
        }
        return seen >= n;
      }, timeoutMs);
      return client.events(conversationId);
    },
    closed,
    close() {
      socket.close();
      return closed;
    },
  };
  return new Promise((resolve, reject) => {
    socket.on("open", () => resolve(client));
    socket.on("unexpected-response", (_request, response) =>
      reject(new Error(`HTTP ${response.statusCode}`)),
    );
    socket.on("close", (code) => reject(new Error(`closed before opening (${code})`)));
  });
}

/** The status and JSON body of a refused upgrade. */
export async function refusedUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { error?: string } }> {
  const response = await fetch(url.replace(/^ws/, "http"), {
    headers: {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
      ...headers,
    },
  });
  return { status: response.status, body: (await response.json()) as { error?: string } };
}

/** Reads an NDJSON response to the end. */
export async function readNdjson(response: Response): Promise<AgentEvent[]> {
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as AgentEvent);
}

/** A subscriber that stops reading after its `chat.subscribe`: raw TCP, so nothing drains its socket. */
export interface StalledSubscriber {
  /** Starts reading again; resolves with the close frame the server sent (if any) once the socket ends. */
  drain(): Promise<{ closeCode?: number; closeReason?: string; bytes: number }>;
}

/** Connects over raw TCP, upgrades, sends `chat.subscribe`, and stops reading. */
export async function stalledSubscriber(wsUrl: string, conversationId: string): Promise<StalledSubscriber> {
  const { port, hostname } = new URL(wsUrl);
  const socket = connectTcp(Number(port), hostname);
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.write(
        `GET / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
    });
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      if (!Buffer.concat(chunks).includes("\r\n\r\n")) return;
      socket.off("data", onData);
      resolve();
    };
    socket.on("data", onData);
  });
  socket.on("error", () => {});
  socket.write(maskedTextFrame(JSON.stringify({ type: "chat.subscribe", conversationId })));
  socket.pause();
  return {
    drain() {
      return new Promise((resolve) => {
        socket.on("data", (chunk: Buffer) => chunks.push(chunk));
        socket.on("close", () => {
          const all = Buffer.concat(chunks);
          const body = all.subarray(all.indexOf("\r\n\r\n") + 4);
          resolve({ ...findCloseFrame(body), bytes: body.length });
        });
        socket.resume();
      });
    },
  };
}

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error("the test frame must be short");
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/** Walks the server's (unmasked) frames and returns the close frame's code and reason. */
function findCloseFrame(data: Buffer): { closeCode?: number; closeReason?: string } {
  let at = 0;
  while (at + 2 <= data.length) {
    const opcode = (data[at] ?? 0) & 0x0f;
    let length = (data[at + 1] ?? 0) & 0x7f;
    let header = 2;
    if (length === 126) {
      length = data.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      length = Number(data.readBigUInt64BE(at + 2));
      header = 10;
    }
    const payload = data.subarray(at + header, at + header + length);
    if (opcode === 8)
      return { closeCode: payload.readUInt16BE(0), closeReason: payload.subarray(2).toString() };
    at += header + length;
  }
  return {};
}
