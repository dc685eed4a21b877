/**
 * Boot and shutdown of the real daemon: configuration errors name the variable, bad third-party
 * extensions are skipped, and SIGTERM lets a running turn finish within the grace period (or aborts
 * it after) before exiting 0 with everything persisted.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startScriptedModel, textReply, toolCallReply } from "@dispatch/testkit";
import type { AgentEvent, ConversationHistoryResponse } from "@dispatch/transport-contract";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAIN_PATH, readNdjson, spawnDaemon, TEST_TOOLS_EXTENSION } from "./spawn-daemon.ts";

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "dispatch-boot-"));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe("configuration", () => {
  it("refuses bad values with a message naming each variable", async () => {
    const proc = Bun.spawn([process.execPath, MAIN_PATH], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH ?? "",
        DISPATCH_DATA_DIR: dataDir,
        BACKEND_PORT: "http",
        DISPATCH_BASE_URL: "not a url",
        DISPATCH_AUTH: "maybe",
      },
      stderr: "pipe",
    });
    expect(await proc.exited).toBe(1);
    const stderr = await new Response(proc.stderr).text();
    expect(stderr).toContain("BACKEND_PORT must be a port number");
    expect(stderr).toContain("DISPATCH_BASE_URL must be an http(s) URL");
    expect(stderr).toContain('DISPATCH_AUTH must be "token" or "off"');
  });

  it("reads .env from its working directory", async () => {
    writeFileSync(join(dataDir, ".env"), "DISPATCH_TOKEN=from-dotenv\n");
    const daemon = await spawnDaemon({ dataDir });
    try {
      const get = (token: string) =>
        fetch(`${daemon.url}/conversations`, { headers: { authorization: `Bearer ${token}` } });
      expect((await get("from-dotenv")).status).toBe(200);
      expect((await get("x")).status).toBe(401);
    } finally {
      await daemon.stop();
    }
  });

  it("turns the token off when told to, keeping the Host and Origin checks", async () => {
    const daemon = await spawnDaemon({ dataDir, env: { DISPATCH_AUTH: "off" } });
    try {
      expect((await fetch(`${daemon.url}/conversations`)).status).toBe(200);
      const foreign = await fetch(`${daemon.url}/conversations`, {
        headers: { origin: "https://evil.example" },
      });
      expect(foreign.status).toBe(403);
      expect(daemon.stderr()).toContain("DISPATCH_AUTH=off");
    } finally {
      await daemon.stop();
    }
  });
});

describe("third-party extensions", () => {
  it("skips a missing module and a module of the wrong shape, and serves anyway", async () => {
    const wrongShape = join(dataDir, "wrong-shape.ts");
    writeFileSync(wrongShape, "export const extension = { hello: 'world' };\n");
    const daemon = await spawnDaemon({
      dataDir,
      env: {
        DISPATCH_EXTERNAL_EXTENSIONS: `${join(dataDir, "missing.ts")},${wrongShape},${TEST_TOOLS_EXTENSION}`,
      },
    });
    try {
      expect(daemon.stderr()).toContain("external extension skipped: it failed to load");
      expect(daemon.stderr()).toContain("external extension skipped: it must export");
      expect((await fetch(`${daemon.url}/health`)).status).toBe(200);
    } finally {
      await daemon.stop();
    }
  });
});

describe("SIGTERM", () => {
  it("lets a running turn finish within the grace period, then exits 0", async () => {
    const model = await startScriptedModel();
    model.enqueue(
      textReply(
        Array.from({ length: 20 }, (_, i) => `t${i} `),
        { tokenDelayMs: 15 },
      ),
    );
    const daemon = await spawnDaemon({
      dataDir,
      env: {
        DISPATCH_BASE_URL: model.baseURL,
        DISPATCH_MODEL: "scripted-model",
        DISPATCH_SHUTDOWN_GRACE_MS: "5000",
      },
    });
    try {
      const res = await daemon.fetch("/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ conversationId: "graceful", message: "go" }),
      });
      const events = readNdjson<AgentEvent>(res);
      await events.next();
      daemon.proc.kill("SIGTERM");
      const rest: AgentEvent[] = [];
      for (let next = await events.next(); !next.done; next = await events.next()) rest.push(next.value);
      expect(rest.find((e) => e.type === "done")).toMatchObject({ reason: "stop" });
      expect(rest.at(-1)?.type).toBe("turn-sealed");
      expect(await daemon.proc.exited).toBe(0);
    } finally {
      await model.close();
    }
  });

  it("aborts a turn that outlives the grace period, persists it, and exits 0", async () => {
    const model = await startScriptedModel();
    model.enqueue(toolCallReply("wait", {}));
    const env = {
      DISPATCH_BASE_URL: model.baseURL,
      DISPATCH_MODEL: "scripted-model",
      DISPATCH_SHUTDOWN_GRACE_MS: "200",
      DISPATCH_EXTERNAL_EXTENSIONS: TEST_TOOLS_EXTENSION,
    };
    const daemon = await spawnDaemon({ dataDir, env });
    try {
      const res = await daemon.fetch("/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ conversationId: "cut", message: "wait forever" }),
      });
      const events = readNdjson<AgentEvent>(res);
      for (let next = await events.next(); !next.done; next = await events.next()) {
        if (next.value.type === "tool-output") break;
      }
      daemon.proc.kill("SIGTERM");
      const rest: AgentEvent[] = [];
      for (let next = await events.next(); !next.done; next = await events.next()) rest.push(next.value);
      expect(rest.find((e) => e.type === "done")).toMatchObject({ reason: "aborted" });
      expect(rest.at(-1)?.type).toBe("turn-sealed");
      expect(await daemon.proc.exited).toBe(0);

      const again = await spawnDaemon({ dataDir, env });
      const history = (await (await again.fetch("/conversations/cut")).json()) as ConversationHistoryResponse;
      const kinds = history.chunks.map((c) => c.chunk.type);
      expect(kinds).toEqual(["text", "tool-call", "tool-result"]);
      await again.stop();
    } finally {
      await model.close();
    }
  });
});
