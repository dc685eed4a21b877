#!/usr/bin/env bun
/**
 * The `dispatch` command's entry point: builds the real `Io` from the process (streams, files,
 * fetch, the `ws` WebSocket client, SIGINT), runs the CLI and exits with its code. The only file
 * that touches the process directly.
 */
import { readFile, stat, statfs } from "node:fs/promises";
import WebSocket from "ws";
import type { Io, OpenSocket } from "./io.ts";
import { run } from "./run.ts";
import { runTrace } from "./trace.ts";

const openSocket: OpenSocket = (url, headers, handlers) => {
  let finished = false;
  const once = (fn: () => void) => {
    if (finished) return;
    finished = true;
    fn();
  };
  let socket: WebSocket;
  try {
    socket = new WebSocket(url, { headers });
  } catch (err) {
    queueMicrotask(() => once(() => handlers.onError((err as Error).message)));
    return { send: () => undefined, close: () => undefined };
  }
  socket.on("open", () => {
    if (!finished) handlers.onOpen();
  });
  socket.on("message", (data) => {
    if (!finished) handlers.onMessage(String(data));
  });
  socket.on("error", (err) => {
    if (!finished) handlers.onError(err.message);
  });
  socket.on("unexpected-response", (_request, response) =>
    once(() => handlers.onRejected(response.statusCode ?? 0)),
  );
  socket.on("close", (code, reason) => once(() => handlers.onClose(code, String(reason))));
  return {
    send: (text) => socket.send(text),
    close: () => {
      finished = true;
      socket.close();
    },
  };
};

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

/** Runs the CLI against the real process and exits. */
export async function main(): Promise<never> {
  // `dispatch list | head -1`: a closed pipe ends the program quietly, as Unix tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => process.exit(err.code === "EPIPE" ? 0 : 1));
  }
  if (process.argv[2] === "trace") {
    const code = runTrace(process.argv.slice(3), process.env, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
    await Promise.all([flush(process.stdout), flush(process.stderr)]);
    process.exit(code);
  }
  const io: Io = {
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: {
      write: (text) => process.stdout.write(text),
      isTTY: process.stdout.isTTY === true,
      columns: process.stdout.columns,
    },
    stderr: {
      write: (text) => process.stderr.write(text),
      isTTY: process.stderr.isTTY === true,
      columns: process.stderr.columns,
    },
    stdinIsTTY: process.stdin.isTTY === true,
    readStdin: () => Bun.stdin.text(),
    readFile: (path) => readFile(path, "utf8"),
    async statFile(path) {
      try {
        const info = await stat(path);
        return { mode: info.mode, uid: info.uid, gid: info.gid, isDirectory: info.isDirectory() };
      } catch {
        return undefined;
      }
    },
    async freeBytes(path) {
      try {
        const info = await statfs(path);
        return info.bavail * info.bsize;
      } catch {
        return undefined;
      }
    },
    fetch: globalThis.fetch,
    openSocket,
    now: Date.now,
    onInterrupt(handler) {
      process.on("SIGINT", handler);
      return () => {
        process.off("SIGINT", handler);
      };
    },
    every(ms, tick) {
      const timer = setInterval(tick, ms);
      return () => clearInterval(timer);
    },
  };
  const code = await run(io);
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}

if (import.meta.main) await main();
