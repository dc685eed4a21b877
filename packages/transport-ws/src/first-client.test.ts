/**
 * The transports' "first client" hooks (the daemon leaves its start-up JIT policy then): HTTP calls
 * its hook once, on the first request that is not a health check; the WebSocket server once, on the
 * first accepted upgrade, never on a refused one.
 */
import { afterEach, describe, expect, it } from "vitest";
import { connect, refusedUpgrade } from "./clients.test.ts";
import { startTestDaemon, type TestDaemon } from "./harness.test.ts";

const TOKEN = "first-client-token";
let daemon: TestDaemon | undefined;

afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
});

describe("first client hooks", () => {
  it("HTTP: health checks do not count; the first other request does, once", async () => {
    const calls: string[] = [];
    daemon = await startTestDaemon({ token: TOKEN, onFirstRequest: () => calls.push("http") });
    for (let i = 0; i < 3; i++) expect((await fetch(`${daemon.httpUrl}/health`)).status).toBe(200);
    expect(calls).toEqual([]);
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${daemon.httpUrl}/conversations`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${daemon.httpUrl}/conversations`, { headers: auth })).status).toBe(200);
    expect(calls).toEqual(["http"]);
  });

  it("WebSocket: a refused upgrade does not count; the first accepted one does, once", async () => {
    const calls: string[] = [];
    daemon = await startTestDaemon({ token: TOKEN, onFirstConnection: () => calls.push("ws") });
    expect((await refusedUpgrade(daemon.wsUrl, { authorization: "Bearer wrong" })).status).toBe(401);
    expect(calls).toEqual([]);
    const headers = { authorization: `Bearer ${TOKEN}` };
    const first = await connect(daemon.wsUrl, { headers });
    const second = await connect(daemon.wsUrl, { headers });
    await first.waitFor((m) => m.type === "catalog");
    await second.waitFor((m) => m.type === "catalog");
    expect(calls).toEqual(["ws"]);
    await first.close();
    await second.close();
  });
});
