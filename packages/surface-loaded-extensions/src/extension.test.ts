/**
 * The surface through a real host: it lists every active extension (including ones activated after
 * it), leaves disabled ones out, and refuses actions with a message that says it has none.
 */
import { createHost, type Extension, KERNEL_API_VERSION, nullLogger } from "@dispatch/kernel";
import { createSurfaceRegistryExtension, surfaceRegistryService } from "@dispatch/surface-registry";
import { describe, expect, it } from "vitest";
import { createLoadedExtensionsExtension } from "./extension.ts";

function plain(id: string, options: { description?: string; fail?: boolean } = {}): Extension {
  return {
    manifest: {
      id,
      version: "1.2.3",
      apiVersion: KERNEL_API_VERSION,
      ...(options.description ? { description: options.description } : {}),
    },
    activate() {
      if (options.fail) throw new Error("cannot start");
    },
  };
}

describe("loaded extensions surface", () => {
  it("has one stat per active extension, in activation order", async () => {
    const host = createHost({
      extensions: [
        createSurfaceRegistryExtension(),
        createLoadedExtensionsExtension(),
        plain("late", { description: "activated after the surface" }),
        plain("broken", { fail: true }),
      ],
      logger: nullLogger,
      now: Date.now,
      sleep: async () => {},
    });
    await host.activate();
    const registry = host.api.getService(surfaceRegistryService);
    expect(registry.getCatalog()).toEqual([
      { id: "loaded-extensions", region: "side", title: "Loaded Extensions", scope: "global" },
    ]);
    const spec = await registry.getSpec("loaded-extensions");
    expect(spec.title).toBe("Loaded Extensions");
    expect(spec.fields).toEqual([
      {
        kind: "stat",
        label: "surface-registry",
        value: "0.1.0 · Registry of the UI surfaces extensions contribute",
      },
      {
        kind: "stat",
        label: "surface-loaded-extensions",
        value: "0.1.0 · Loaded Extensions surface: one line per active extension",
      },
      { kind: "stat", label: "late", value: "1.2.3 · activated after the surface" },
    ]);
    await expect(registry.invoke("loaded-extensions", "refresh", undefined)).rejects.toThrow(
      "it has no actions",
    );
    await host.deactivate();
  });

  it("leaves the catalog when deactivated", async () => {
    const host = createHost({
      extensions: [createSurfaceRegistryExtension(), createLoadedExtensionsExtension()],
      logger: nullLogger,
      now: Date.now,
      sleep: async () => {},
    });
    await host.activate();
    const registry = host.api.getService(surfaceRegistryService);
    await host.deactivate();
    expect(registry.getCatalog()).toEqual([]);
  });
});
