/**
 * `recordFetch` against a real local server: the caller gets the live response unchanged while the
 * exchange is reported once complete, with auth headers and every secret occurrence redacted.
 */
import { type ScriptedModel, startScriptedModel, textReply } from "@dispatch/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HttpExchangeFixture } from "./fixture.ts";
import { REDACTED, recordFetch, redactSecrets } from "./record.ts";

const SECRET = "sk-live-abc123";

let model: ScriptedModel;

beforeEach(async () => {
  model = await startScriptedModel();
});

afterEach(async () => {
  await model.close();
});

function recorder() {
  let resolve: (fixture: HttpExchangeFixture) => void = () => {};
  const recorded = new Promise<HttpExchangeFixture>((r) => {
    resolve = r;
  });
  return { fetch: recordFetch(fetch, resolve, { secrets: [SECRET] }), recorded };
}

describe("recordFetch", () => {
  it("passes the streamed response through and records it with secrets redacted", async () => {
    model.enqueue(textReply(`echo ${SECRET} done`));
    const { fetch: recording, recorded } = recorder();
    const res = await recording(`${model.baseURL}/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${SECRET}`,
        "x-trace": `t-${SECRET}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ model: "m", stream: true, note: SECRET }),
    });
    const live = await res.text();
    expect(live).toContain(SECRET);
    expect(live.endsWith("data: [DONE]\n\n")).toBe(true);
    const fixture = await recorded;
    expect(fixture.request).toMatchObject({
      method: "POST",
      url: `${model.baseURL}/chat/completions`,
      headers: { authorization: REDACTED, "x-trace": `t-${REDACTED}`, "content-type": "application/json" },
    });
    expect(JSON.parse(fixture.request.body ?? "")).toEqual({ model: "m", stream: true, note: REDACTED });
    expect(fixture.response.status).toBe(200);
    expect(fixture.response.headers["content-type"]).toBe("text/event-stream");
    expect(fixture.response.headers.date).toBeUndefined();
    expect(fixture.response.body).toBe(live.split(SECRET).join(REDACTED));
    expect(JSON.stringify(fixture)).not.toContain(SECRET);
  });

  it("records a GET with a null request body", async () => {
    const { fetch: recording, recorded } = recorder();
    await (await recording(`${model.baseURL}/models`)).json();
    const fixture = await recorded;
    expect(fixture.request).toMatchObject({ method: "GET", body: null });
    expect(JSON.parse(fixture.response.body)).toMatchObject({ object: "list" });
  });

  it("reports what arrived when the caller aborts mid-stream", async () => {
    model.enqueue(textReply("one two", { stallAfter: 1 }));
    const { fetch: recording, recorded } = recorder();
    const controller = new AbortController();
    const res = await recording(`${model.baseURL}/chat/completions`, {
      method: "POST",
      body: "{}",
      signal: controller.signal,
    });
    const reader = res.body?.getReader();
    await reader?.read();
    controller.abort();
    const fixture = await recorded;
    expect(fixture.response.body).toContain('"content":"one "');
    expect(fixture.response.body).not.toContain("[DONE]");
  });
});

describe("redactSecrets", () => {
  it("replaces every occurrence and ignores empty secrets", () => {
    expect(redactSecrets("a k b k", ["k", ""])).toBe(`a ${REDACTED} b ${REDACTED}`);
  });
});
