/** `dispatch trace`: finds the trace database and hands over to the trace store's CLI. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTraceStore } from "@dispatch/trace-store";
import { describe, expect, it } from "vitest";
import { runTrace, SERVICE_TRACE_DB, traceDbCandidates } from "./trace.ts";

describe("dispatch trace", () => {
  it("looks at DISPATCH_TRACE_DB alone when set, else the data dirs, then the service's", () => {
    expect(traceDbCandidates({ DISPATCH_TRACE_DB: "/x/t.db", HOME: "/h" })).toEqual(["/x/t.db"]);
    expect(traceDbCandidates({ DISPATCH_DATA_DIR: "/d", HOME: "/h" })).toEqual([
      "/d/traces.db",
      "/h/.local/share/dispatch/traces.db",
      SERVICE_TRACE_DB,
    ]);
  });

  it("lists the turns of the database it found", () => {
    const dir = mkdtempSync(join(tmpdir(), "dispatch-trace-cli-"));
    try {
      const store = createTraceStore({ path: join(dir, "traces.db") });
      store.insertRecords([
        {
          kind: "span-open",
          spanId: "s1",
          name: "turn",
          timestamp: 1_700_000_000_000,
          extensionId: "kernel",
          conversationId: "c1",
          turnId: "turn-1",
          attributes: { model: "m" },
        },
      ]);
      store.close();
      let out = "";
      const code = runTrace(
        ["turns"],
        { DISPATCH_DATA_DIR: dir },
        { stdout: (t) => (out += t), stderr: () => {} },
      );
      expect(code).toBe(0);
      expect(out).toContain("turn-1");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
