/**
 * Surfaces end to end: an `invoke` from one client produces an `update` on every subscriber of the
 * surface (global: whatever conversation each named; scoped: that conversation's subscribers only);
 * async providers are awaited; failing actions answer `error`; the catalog is re-sent when it
 * changes. The message-queue and todo surfaces have their own tests beside them.
 */
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { invalidPayload, type SurfaceRegistry, surfaceRegistryService } from "@dispatch/surface-registry";
import type { SurfaceSpec } from "@dispatch/ui-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type TestClient } from "./clients.test.ts";
import { startTestDaemon, type TestDaemon } from "./harness.test.ts";

let daemon: TestDaemon;
let registry: SurfaceRegistry;
let switchOn = false;
const notes = new Map<string, number>();

/** A global async surface with a toggle, and a scoped surface with a per-conversation counter. */
function testSurfacesExtension(): Extension {
  return {
    manifest: {
      id: "test-surfaces",
      version: "0.0.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["surface-registry"],
    },
    activate(host) {
      const surfaces = host.getService(surfaceRegistryService);
      surfaces.register({
        catalogEntry: { id: "switch", region: "side", title: "Switch", scope: "global" },
        async getSpec(): Promise<SurfaceSpec> {
          await new Promise((resolve) => setTimeout(resolve, 1));
          const action = { actionId: "flip" };
          return {
            id: "switch",
            region: "side",
            title: "Switch",
            fields: [{ kind: "toggle", label: "On", value: switchOn, action }],
          };
        },
        invoke(actionId, payload) {
          if (actionId !== "flip") throw invalidPayload("switch", actionId, "only flip exists");
          switchOn = typeof payload === "boolean" ? payload : !switchOn;
        },
      });
      surfaces.register({
        catalogEntry: { id: "counter", region: "side", title: "Counter", scope: "conversation" },
        getSpec: (context) => ({
          id: "counter",
          region: "side",
          title: "Counter",
          fields: [
            { kind: "stat", label: "count", value: String(notes.get(context?.conversationId ?? "") ?? 0) },
          ],
        }),
        invoke(_actionId, _payload, context) {
          if (!context) throw invalidPayload("counter", "add", "name a conversation");
          notes.set(context.conversationId, (notes.get(context.conversationId) ?? 0) + 1);
        },
      });
    },
  };
}

beforeAll(async () => {
  daemon = await startTestDaemon({
    extensions: [testSurfacesExtension()],
  });
  registry = daemon.host.api.getService(surfaceRegistryService);
});

afterAll(async () => {
  await daemon.close();
});

const updatesOf = (client: TestClient, surfaceId: string) =>
  client.received.flatMap((m) => (m.type === "update" && m.update.surfaceId === surfaceId ? [m.update] : []));

async function subscribed(surfaceId: string, conversationId?: string): Promise<TestClient> {
  const client = await connect(daemon.wsUrl);
  client.send({ type: "subscribe", surfaceId, ...(conversationId ? { conversationId } : {}) });
  await client.waitFor((m) => m.type === "surface" && m.spec.id === surfaceId);
  return client;
}

describe("invoke and update", () => {
  it("an invoke from one client updates every subscriber of a global surface", async () => {
    const clients = [
      await subscribed("switch"),
      await subscribed("switch"),
      await subscribed("switch", "tab-1"),
    ];
    const [first] = clients;
    first?.send({ type: "invoke", surfaceId: "switch", actionId: "flip", conversationId: "tab-9" });
    for (const client of clients) {
      const update = await client.waitFor((m) => m.type === "update");
      expect(update.type === "update" && update.update.spec.fields[0]).toMatchObject({
        kind: "toggle",
        value: true,
      });
    }
    expect(clients[2]?.received.find((m) => m.type === "update")).toMatchObject({
      update: { surfaceId: "switch", conversationId: "tab-1" },
    });
    await Promise.all(clients.map((c) => c.close()));
  });

  it("a scoped invoke updates that conversation's subscribers only, echoing the id", async () => {
    const a1 = await subscribed("counter", "conv-a");
    const a2 = await subscribed("counter", "conv-a");
    const b = await subscribed("counter", "conv-b");
    expect(a1.received.find((m) => m.type === "surface")).toMatchObject({ conversationId: "conv-a" });
    b.send({ type: "invoke", surfaceId: "counter", actionId: "add", conversationId: "conv-a" });
    for (const client of [a1, a2]) {
      const update = await client.waitFor((m) => m.type === "update");
      expect(update).toMatchObject({
        update: { surfaceId: "counter", conversationId: "conv-a", spec: { fields: [{ value: "1" }] } },
      });
    }
    b.send({ type: "subscribe", surfaceId: "counter", conversationId: "conv-b" });
    await b.waitFor(
      (m) => m.type === "surface" && b.received.filter((x) => x.type === "surface").length === 2,
    );
    expect(updatesOf(b, "counter")).toEqual([]);
    await Promise.all([a1.close(), a2.close(), b.close()]);
  });

  it("answers a failing action with an error and sends no update", async () => {
    const client = await subscribed("counter");
    client.send({ type: "invoke", surfaceId: "counter", actionId: "add" });
    const error = await client.waitFor((m) => m.type === "error");
    expect(error).toEqual({
      type: "error",
      surfaceId: "counter",
      message: 'invalid payload for "add" of surface "counter": name a conversation',
    });
    expect(updatesOf(client, "counter")).toEqual([]);
    await client.close();
  });

  it("re-sends the catalog when a surface comes or goes", async () => {
    const client = await connect(daemon.wsUrl);
    await client.waitFor((m) => m.type === "catalog");
    const dispose = registry.register({
      catalogEntry: { id: "ephemeral", region: "side", title: "Ephemeral" },
      getSpec: () => ({ id: "ephemeral", region: "side", title: "Ephemeral", fields: [] }),
      invoke: () => {},
    });
    const catalogs = () => client.received.filter((m) => m.type === "catalog");
    await client.waitFor(() => catalogs().length === 2);
    dispose();
    await client.waitFor(() => catalogs().length === 3);
    const ids = catalogs().map((m) => (m.type === "catalog" ? m.catalog.map((e) => e.id) : []));
    expect(ids[1]).toContain("ephemeral");
    expect(ids[2]).not.toContain("ephemeral");
    await client.close();
  });
});
