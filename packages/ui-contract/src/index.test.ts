/**
 * The contract's shapes, checked by the compiler and at run time: the field kinds are exactly the
 * ones the web client renders, and sample messages keep the reference field names.
 */
import { describe, expect, it } from "vitest";
import type { SurfaceField, SurfaceFieldKind, SurfaceServerMessage, SurfaceSpec } from "./index.ts";

// A missing or extra kind is a compile error here.
const KINDS: Record<SurfaceFieldKind, true> = {
  toggle: true,
  progress: true,
  selector: true,
  stat: true,
  number: true,
  button: true,
  custom: true,
};

describe("ui-contract", () => {
  it("has exactly the field kinds the web client renders", () => {
    expect(Object.keys(KINDS).sort()).toEqual([
      "button",
      "custom",
      "number",
      "progress",
      "selector",
      "stat",
      "toggle",
    ]);
  });

  it("serializes a conversation-scoped update with the reference field names", () => {
    const fields: SurfaceField[] = [
      { kind: "toggle", label: "Enabled", value: true, action: { actionId: "cache-warming/toggle" } },
      { kind: "number", label: "Refresh Interval", value: 240, min: 1, unit: "s", action: { actionId: "x" } },
      { kind: "custom", rendererId: "cache-warming-timer", payload: { nextWarmAt: null, lastWarmAt: null } },
    ];
    const spec: SurfaceSpec = { id: "cache-warming", region: "side", title: "Cache Warming", fields };
    const message: SurfaceServerMessage = {
      type: "update",
      update: { surfaceId: spec.id, spec, conversationId: "c1" },
    };
    const wire = JSON.parse(JSON.stringify(message));
    expect(Object.keys(wire.update).sort()).toEqual(["conversationId", "spec", "surfaceId"]);
    expect(wire.update.spec.fields.map((f: SurfaceField) => f.kind)).toEqual(["toggle", "number", "custom"]);
  });
});
