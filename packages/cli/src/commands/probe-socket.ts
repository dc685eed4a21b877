/**
 * Whether the daemon's WebSocket accepts a connection with our token: used by `status` (to show
 * the port it found) and `doctor` (to check it). Opens, then closes at once.
 */
import { guessSocketUrl } from "../config.ts";
import type { Context } from "../context.ts";
import type { DaemonStatus } from "../daemon-status.ts";
import type { Socket } from "../io.ts";

/** The WebSocket URL: the one the daemon reports, else the guess from the environment and HTTP port. */
export function socketUrl(ctx: Context, status: DaemonStatus | undefined): string | null {
  if (status?.surfaceWsUrl === null) return null;
  return status?.surfaceWsUrl ?? guessSocketUrl(ctx.client.baseUrl(), ctx.io.env);
}

/** Resolves with `"ok"`, or what went wrong (refused, closed, no answer within `timeoutMs`). */
export function probeSocket(ctx: Context, url: string, timeoutMs = 3000): Promise<string> {
  const token = ctx.client.token();
  return new Promise<string>((settle) => {
    let socket: Socket | undefined;
    const done = (result: string) => {
      stopTimer();
      socket?.close();
      settle(result);
    };
    const stopTimer = ctx.io.every(timeoutMs, () => done(`no answer in ${timeoutMs / 1000} s`));
    socket = ctx.io.openSocket(url, token ? { authorization: `Bearer ${token}` } : {}, {
      onOpen: () => done("ok"),
      onMessage: () => undefined,
      onError: (message) => done(message),
      onRejected: (code) => done(`refused with HTTP ${code}`),
      onClose: (code) => done(`closed (${code})`),
    });
  });
}
