/**
 * Security on the upgrade and on the first frames, against a running daemon with a token: Host and
 * Origin allow-lists (same semantics and messages as the HTTP API), the token as a bearer header, as
 * a `dispatch.token.<token>` subprotocol (echoed) or as a first `auth` message — never in the URL —
 * the auth timeout, the message-rate limit, and running without a token when the operator says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, refusedUpgrade } from "./clients.test.ts";
import { startTestDaemon, type TestDaemon } from "./harness.test.ts";

const TOKEN = "s3cret-token-for-tests";
const ALLOWED_ORIGIN = "http://localhost:24204";

let daemon: TestDaemon;

beforeAll(async () => {
  daemon = await startTestDaemon({
    token: TOKEN,
    allowedOrigins: [ALLOWED_ORIGIN],
    allowedHosts: ["dispatch.lan"],
    limits: { authTimeoutMs: 300, messagesPerSecond: 5, messageBurst: 5 },
  });
});

afterAll(async () => {
  await daemon.close();
});

const bearer = { authorization: `Bearer ${TOKEN}` };

describe("upgrade checks", () => {
  it("refuses a Host that is not allowed, as the HTTP API does", async () => {
    const refused = await refusedUpgrade(daemon.wsUrl, { ...bearer, host: "evil.example:24205" });
    expect(refused).toEqual({
      status: 403,
      body: {
        error:
          'Host "evil.example:24205" is not allowed. Reach the server through localhost, or add the name to DISPATCH_ALLOWED_HOSTS.',
      },
    });
    const allowed = await connect(daemon.wsUrl, { headers: { ...bearer, host: "dispatch.lan" } });
    await allowed.waitFor((m) => m.type === "catalog");
    await allowed.close();
  });

  it("refuses an Origin that is not allowed and accepts a configured one", async () => {
    const refused = await refusedUpgrade(daemon.wsUrl, { ...bearer, origin: "https://evil.example" });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe(
      'Origin "https://evil.example" is not allowed. Add it to DISPATCH_ALLOWED_ORIGINS to let that page connect.',
    );
    const page = await connect(daemon.wsUrl, { headers: { ...bearer, origin: ALLOWED_ORIGIN } });
    await page.waitFor((m) => m.type === "catalog");
    await page.close();
  });

  it("refuses a wrong bearer token with 401 and a token in the URL with 400", async () => {
    const wrong = await refusedUpgrade(daemon.wsUrl, { authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatch(/^Wrong token\. Send it as "Authorization: Bearer <token>"/);
    expect(wrong.body.error).not.toContain(TOKEN);
    const inUrl = await refusedUpgrade(`${daemon.wsUrl}/?token=${TOKEN}`);
    expect(inUrl.status).toBe(400);
    expect(inUrl.body.error).toMatch(/^Do not put the token in the URL/);
  });

  it("answers plain HTTP with 426", async () => {
    const response = await fetch(daemon.wsUrl.replace(/^ws/, "http"));
    expect(response.status).toBe(426);
    expect(await response.json()).toEqual({ error: "expected a WebSocket upgrade" });
  });
});

describe("ways to present the token", () => {
  it("accepts the bearer header", async () => {
    const client = await connect(daemon.wsUrl, { headers: bearer });
    expect((await client.waitFor(() => true)).type).toBe("catalog");
    await client.close();
  });

  it("accepts a dispatch.token subprotocol and echoes it", async () => {
    const client = await connect(daemon.wsUrl, { protocols: [`dispatch.token.${TOKEN}`] });
    expect(client.socket.protocol).toBe(`dispatch.token.${TOKEN}`);
    expect((await client.waitFor(() => true)).type).toBe("catalog");
    await client.close();
  });

  it("refuses a wrong subprotocol token at the upgrade", async () => {
    const refused = await refusedUpgrade(daemon.wsUrl, { "sec-websocket-protocol": "dispatch.token.wrong" });
    expect(refused.status).toBe(401);
  });

  it("accepts a first auth message and only then sends the catalog", async () => {
    const client = await connect(daemon.wsUrl);
    client.send({ type: "auth", token: TOKEN });
    const first = await client.waitFor(() => true);
    expect(first.type).toBe("catalog");
    client.send({ type: "auth", token: TOKEN });
    const again = await client.waitFor((m) => m.type === "error");
    expect(again.type === "error" && again.message).toContain("already authenticated");
    await client.close();
  });

  it("closes with 1008 when the first message is not auth, or the token is wrong", async () => {
    const eager = await connect(daemon.wsUrl);
    eager.send({ type: "subscribe", surfaceId: "loaded-extensions" });
    expect(await eager.closed).toEqual({
      code: 1008,
      reason: 'authentication required: send {"type":"auth","token":"…"} first',
    });
    expect(eager.received).toEqual([]);
    const wrong = await connect(daemon.wsUrl);
    wrong.send({ type: "auth", token: "nope" });
    expect(await wrong.closed).toEqual({ code: 1008, reason: "wrong token" });
  });

  it("closes with 1008 when no auth message arrives in time", async () => {
    const silent = await connect(daemon.wsUrl);
    expect(await silent.closed).toEqual({
      code: 1008,
      reason: 'authentication timed out: send {"type":"auth","token":"…"} first',
    });
  });
});

describe("message rate", () => {
  it("answers the first frame over the rate, then closes a flood with 1008", async () => {
    const client = await connect(daemon.wsUrl, { headers: bearer });
    await client.waitFor((m) => m.type === "catalog");
    for (let i = 0; i < 40; i++) client.send({ type: "chat.unsubscribe", conversationId: "c" });
    const warning = await client.waitFor((m) => m.type === "error");
    expect(warning.type === "error" && warning.message).toBe(
      "too many messages: at most 5 per second; extra messages are dropped",
    );
    expect(await client.closed).toEqual({
      code: 1008,
      reason: "rate limit exceeded: at most 5 messages per second",
    });
  });
});

describe("auth off", () => {
  it("lets any client in without a token when the operator turns auth off", async () => {
    const open = await startTestDaemon({ allowedOrigins: [ALLOWED_ORIGIN] });
    try {
      const client = await connect(open.wsUrl, { headers: { origin: ALLOWED_ORIGIN } });
      expect((await client.waitFor(() => true)).type).toBe("catalog");
      await client.close();
      const stranger = await refusedUpgrade(open.wsUrl, { origin: "https://evil.example" });
      expect(stranger.status).toBe(403);
    } finally {
      await open.close();
    }
  });
});
