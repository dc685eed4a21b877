/**
 * The activation order: dependencies first, ties in the given order, and boot errors that name the
 * ids (duplicates, missing dependencies with who needs what, and the ids forming a cycle).
 */
import { describe, expect, it } from "vitest";
import type { ExtensionManifest } from "../contracts/extension.ts";
import { KernelError } from "../errors.ts";
import { resolveActivationOrder } from "./order.ts";

const m = (id: string, ...dependsOn: string[]): ExtensionManifest => ({
  id,
  version: "0.1.0",
  apiVersion: 1,
  dependsOn,
});

function failure(manifests: ExtensionManifest[]): KernelError {
  try {
    resolveActivationOrder(manifests);
  } catch (err) {
    if (err instanceof KernelError) return err;
    throw err;
  }
  throw new Error("expected a KernelError, but the order resolved");
}

describe("resolveActivationOrder", () => {
  it("keeps the given order when nothing constrains it", () => {
    expect(resolveActivationOrder([m("c"), m("a"), m("b")])).toEqual(["c", "a", "b"]);
  });

  it("puts dependencies first and otherwise keeps the given order", () => {
    const order = resolveActivationOrder([
      m("http", "store", "log"),
      m("tool"),
      m("store", "sqlite"),
      m("sqlite"),
      m("log"),
    ]);
    expect(order).toEqual(["tool", "sqlite", "store", "log", "http"]);
  });

  it("ignores a dependency listed twice", () => {
    expect(resolveActivationOrder([m("b", "a", "a"), m("a")])).toEqual(["a", "b"]);
  });

  it("rejects duplicate ids, naming them", () => {
    const err = failure([m("a"), m("b"), m("a")]);
    expect(err.code).toBe("DUPLICATE_EXTENSION");
    expect(err.message).toContain('Duplicate extension id "a"');
  });

  it("rejects a missing dependency, naming who needs what", () => {
    const err = failure([m("http", "store"), m("tool", "lsp")]);
    expect(err.code).toBe("MISSING_DEPENDENCY");
    expect(err.message).toContain('"http" depends on "store", which is not in the list');
    expect(err.message).toContain('"tool" depends on "lsp", which is not in the list');
  });

  it("rejects a cycle, listing exactly the ids in it", () => {
    const err = failure([m("free"), m("a", "b"), m("b", "c"), m("c", "a"), m("after", "a")]);
    expect(err.code).toBe("DEPENDENCY_CYCLE");
    expect(err.message).toContain("a -> b -> c -> a");
    expect(err.context.cycle).toEqual(["a", "b", "c"]);
  });

  it("rejects an extension depending on itself", () => {
    const err = failure([m("self", "self")]);
    expect(err.code).toBe("DEPENDENCY_CYCLE");
    expect(err.message).toContain("self -> self");
  });
});
