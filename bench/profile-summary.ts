/**
 * Where the time went, by package: sums the self time of a `.cpuprofile` (Chrome format, as
 * `bun --cpu-prof` writes it) per workspace package or npm package. Native frames (JSON, streams,
 * sockets, SQLite) are charged to the nearest JavaScript caller's package, marked "· native", so a
 * profile reads as "ai 31%, kernel 8%" before one opens the flame graph.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The bucket a frame's URL belongs to. */
export function bucketOf(url: string, functionName: string): string {
  const workspace = /\/packages\/([^/]+)\//.exec(url);
  if (workspace && !url.includes("/node_modules/")) return `@dispatch/${workspace[1]}`;
  const dependency = /\/node_modules\/\.bun\/((?:@[^+/]+\+)?[^@/]+)@/.exec(url);
  if (dependency?.[1]) return dependency[1].replace("+", "/");
  if (url.startsWith("node:") || url.startsWith("bun:"))
    return url.split(":")[0] === "bun" ? url : "node builtins";
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(idle)" || functionName === "(program)") return functionName;
  return "native/runtime";
}

/** A table of self time per bucket, largest first. */
export function summarizeProfile(json: string, top = 20): string {
  const profile = JSON.parse(json) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const charged = (node: ProfileNode): string => {
    const own = bucketOf(node.callFrame.url, node.callFrame.functionName);
    if (own !== "native/runtime") return own;
    for (let id = parents.get(node.id); id !== undefined; id = parents.get(id)) {
      const up = byId.get(id);
      if (up?.callFrame.url) return `${bucketOf(up.callFrame.url, up.callFrame.functionName)} · native`;
    }
    return own;
  };
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const micros = profile.timeDeltas[i] ?? 0;
    if (!node || node.callFrame.functionName === "(idle)") return;
    const bucket = charged(node);
    totals.set(bucket, (totals.get(bucket) ?? 0) + micros);
    all += micros;
  });
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = rows.map(
    ([bucket, micros]) =>
      `| ${bucket} | ${(micros / 1000).toFixed(0)} ms | ${((100 * micros) / Math.max(1, all)).toFixed(1)}% |`,
  );
  return ["| self time in | ms | share |", "| --- | --- | --- |", ...lines, ""].join("\n");
}
