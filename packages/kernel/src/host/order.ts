/**
 * The activation order: a pure function over manifests (Kahn's algorithm). It fails fast, naming the
 * ids, on a duplicate id, a dependency that is not in the list, or a cycle. Among extensions ready at
 * the same time the given order wins, so an unconstrained list activates exactly as written.
 */
import type { ExtensionManifest } from "../contracts/extension.ts";
import { KernelError } from "../errors.ts";

/** The ids of `manifests` in activation order. Throws `KernelError` on a bad graph. */
export function resolveActivationOrder(manifests: readonly ExtensionManifest[]): string[] {
  const ids = manifests.map((manifest) => manifest.id);
  assertUnique(ids);
  const deps = manifests.map((manifest) => [...new Set(manifest.dependsOn ?? [])]);
  assertDependenciesPresent(ids, deps);

  const position = new Map(ids.map((id, index) => [id, index]));
  const waitingOn = deps.map((list) => list.length);
  const dependents = ids.map((): number[] => []);
  deps.forEach((list, index) => {
    for (const dep of list) dependents[position.get(dep) ?? 0]?.push(index);
  });

  const ready = ids.flatMap((_, index) => (waitingOn[index] === 0 ? [index] : []));
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const next = ready.shift() ?? 0;
    order.push(ids[next] ?? "");
    for (const dependent of dependents[next] ?? []) {
      const left = (waitingOn[dependent] ?? 0) - 1;
      waitingOn[dependent] = left;
      if (left === 0) ready.push(dependent);
    }
  }
  if (order.length < ids.length) throw cycleError(ids, deps, new Set(order));
  return order;
}

function assertUnique(ids: readonly string[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const id of ids) (seen.has(id) ? duplicates : seen).add(id);
  if (duplicates.size === 0) return;
  const list = [...duplicates];
  throw new KernelError(
    "DUPLICATE_EXTENSION",
    `Duplicate extension id ${quoteAll(list)}: each id must appear once in the host's extension list.`,
    { ids: list },
  );
}

function assertDependenciesPresent(ids: readonly string[], deps: readonly string[][]): void {
  const present = new Set(ids);
  const missing = ids.flatMap((id, index) =>
    (deps[index] ?? []).filter((dep) => !present.has(dep)).map((dependency) => ({ id, dependency })),
  );
  if (missing.length === 0) return;
  const lines = missing.map(
    ({ id, dependency }) => `"${id}" depends on "${dependency}", which is not in the list`,
  );
  throw new KernelError(
    "MISSING_DEPENDENCY",
    `Missing extension dependency: ${lines.join("; ")}. Add the missing extension or drop the dependsOn entry.`,
    { missing },
  );
}

/** Walks unresolved dependencies from an unresolved extension until an id repeats: that loop is a cycle. */
function cycleError(ids: readonly string[], deps: readonly string[][], resolved: Set<string>): KernelError {
  const position = new Map(ids.map((id, index) => [id, index]));
  const path: string[] = [];
  let current = ids.find((id) => !resolved.has(id)) ?? "";
  while (!path.includes(current)) {
    path.push(current);
    const unresolved = (deps[position.get(current) ?? -1] ?? []).find((dep) => !resolved.has(dep));
    current = unresolved ?? current;
  }
  const cycle = path.slice(path.indexOf(current));
  return new KernelError(
    "DEPENDENCY_CYCLE",
    `Extension dependency cycle: ${[...cycle, current].join(" -> ")}. Remove one of these dependsOn entries.`,
    { cycle },
  );
}

function quoteAll(ids: readonly string[]): string {
  return ids.map((id) => `"${id}"`).join(", ");
}
