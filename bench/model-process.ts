/**
 * The benchmark's handle on the scripted model process (`model-server.ts`): spawn it, queue
 * replies, read when each request arrived and when its first and last chunks left, stop it.
 */
import { join } from "node:path";
import type { Reply } from "@dispatch/testkit";
import type { RequestTiming } from "./model-server.ts";

export type { RequestTiming } from "./model-server.ts";

/** The running model process. */
export interface ModelProcess {
  /** `http://127.0.0.1:<port>/v1`, what the daemon and the relay are pointed at. */
  baseURL: string;
  pid: number;
  /** Queues replies, one per chat request, before the fallback. */
  enqueue(...replies: Reply[]): Promise<void>;
  /** What every request gets once the queue is empty. */
  setFallback(reply: Reply): Promise<void>;
  /** How many chat requests arrived so far (the index of the next one). */
  count(): Promise<number>;
  /** Waits until requests `from … from+count-1` arrived and ended; returns their timings. */
  timings(from: number, count: number, timeoutMs?: number): Promise<RequestTiming[]>;
  /** Forgets recorded requests and queued replies; indexes restart at 0. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `model-server.ts` under the current Bun. */
export async function startModelProcess(): Promise<ModelProcess> {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "model-server.ts")], {
    stdout: "pipe",
    stderr: "inherit",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let line = "";
  while (!line.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error("the scripted model process exited before printing its address");
    line += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  const { baseURL, controlURL } = JSON.parse(line) as { baseURL: string; controlURL: string };

  async function call(path: string, init?: RequestInit): Promise<Response> {
    const res = await fetch(`${controlURL}${path}`, init);
    if (!res.ok && res.status !== 204) throw new Error(`model control ${path}: ${await res.text()}`);
    return res;
  }
  const post = (path: string, body?: unknown) =>
    call(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? "{}" : JSON.stringify(body),
    }).then(() => undefined);

  return {
    baseURL,
    pid: proc.pid,
    enqueue: (...replies) => post("/enqueue", replies),
    setFallback: (reply) => post("/fallback", reply),
    count: async () => ((await (await call("/count")).json()) as { count: number }).count,
    timings: async (from, count, timeoutMs = 60_000) =>
      (await (
        await call(`/requests?from=${from}&count=${count}&timeoutMs=${timeoutMs}`)
      ).json()) as RequestTiming[],
    reset: () => post("/reset"),
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}
