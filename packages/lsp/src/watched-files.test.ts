/**
 * Dynamically registered file watchers on a real directory: events are typed (created, changed,
 * deleted), filtered by glob and watch kind, batched, and stop when the registration goes.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nullLogger } from "@dispatch/kernel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toUri } from "./paths.ts";
import type { FileEvent } from "./protocol.ts";
import { createWatchedFiles, type WatchedFiles } from "./watched-files.ts";

let dir: string;
let watched: WatchedFiles | undefined;
let batches: FileEvent[][];

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "lsp-watch-")));
  batches = [];
});

afterEach(() => {
  watched?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function start(): WatchedFiles {
  watched = createWatchedFiles({
    root: dir,
    logger: nullLogger,
    debounceMs: 30,
    send: (c) => void batches.push(c),
  });
  return watched;
}

async function nextEvents(): Promise<FileEvent[]> {
  for (let i = 0; i < 100; i++) {
    const batch = batches.shift();
    if (batch !== undefined) return batch;
    await Bun.sleep(20);
  }
  throw new Error("no watched-file events arrived");
}

describe("watched files", () => {
  it("reports created, changed and deleted files matching a relative pattern, in subdirectories too", async () => {
    start().register("r1", [{ globPattern: { baseUri: toUri(dir), pattern: "**/*.ts" } }]);
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src", "c.ts"), "export {};\n");
    writeFileSync(join(dir, "notes.md"), "ignored\n");
    expect(await nextEvents()).toEqual([{ uri: toUri(join(dir, "src", "c.ts")), type: 1 }]);
    await Bun.sleep(60);
    writeFileSync(join(dir, "src", "c.ts"), "export const c = 1;\n");
    expect(await nextEvents()).toEqual([{ uri: toUri(join(dir, "src", "c.ts")), type: 2 }]);
    unlinkSync(join(dir, "src", "c.ts"));
    expect(await nextEvents()).toEqual([{ uri: toUri(join(dir, "src", "c.ts")), type: 3 }]);
  });

  it("honours the watch kind and plain patterns, and stops on unregistration", async () => {
    const files = start();
    files.register("creates-only", [{ globPattern: "**/*.json", kind: 1 }]);
    expect(files.directories()).toEqual([`${dir}/**`]);
    writeFileSync(join(dir, "a.json"), "{}");
    expect(await nextEvents()).toEqual([{ uri: toUri(join(dir, "a.json")), type: 1 }]);
    await Bun.sleep(60);
    writeFileSync(join(dir, "a.json"), '{"changed":true}');
    writeFileSync(join(dir, "b.json"), "{}");
    expect(await nextEvents()).toEqual([{ uri: toUri(join(dir, "b.json")), type: 1 }]);
    files.unregister("creates-only");
    expect(files.directories()).toEqual([]);
    writeFileSync(join(dir, "c.json"), "{}");
    await Bun.sleep(150);
    expect(batches).toEqual([]);
  });

  it("skips a base directory that does not exist instead of failing", () => {
    const files = start();
    files.register("r1", [
      { globPattern: { baseUri: toUri(join(dir, "missing")), pattern: "**/*" } },
      { globPattern: { baseUri: toUri(dir), pattern: "package.json" } },
    ]);
    expect(files.directories()).toEqual([dir]);
  });
});
