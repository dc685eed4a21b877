/**
 * Fixture file I/O: a save/load round trip in a temp dir, and a readable error for a malformed file.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HttpExchangeFixture, loadFixture, parseFixture, saveFixture } from "./fixture.ts";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "trace-replay-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("fixture I/O", () => {
  it("round-trips a fixture through a JSON file", async () => {
    const fixture: HttpExchangeFixture = {
      request: { method: "GET", url: "http://x.test/v1/models", headers: { accept: "*/*" }, body: null },
      response: { status: 200, statusText: "OK", headers: {}, body: '{"data":[]}' },
      meta: { description: "models", captured_by: "test", extra: 1 },
    };
    const path = join(dir, "f.json");
    await saveFixture(path, fixture);
    expect((await Bun.file(path).text()).endsWith("}\n")).toBe(true);
    expect(await loadFixture(path)).toEqual(fixture);
  });

  it("names the bad field of a malformed fixture", async () => {
    const path = join(dir, "bad.json");
    await Bun.write(
      path,
      JSON.stringify({ request: { method: "GET", url: "u", headers: {}, body: null }, response: {} }),
    );
    await expect(loadFixture(path)).rejects.toThrow(
      /bad\.json is not an HTTP exchange fixture[\s\S]*response\.status/,
    );
    expect(() => parseFixture(null)).toThrow("fixture is not an HTTP exchange fixture");
  });
});
