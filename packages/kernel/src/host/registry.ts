/**
 * The host's tool and provider registries. Names (tools) and ids (providers) are unique across the
 * host; every addition returns a `Dispose` so a failed or deactivated extension's entries go away.
 */
import type { Dispose } from "../contracts/hooks.ts";
import type { Provider } from "../contracts/provider.ts";
import type { Tool } from "../contracts/tool.ts";
import { KernelError } from "../errors.ts";

/** Tools and providers, each remembered with the extension that registered it. */
export interface Registry {
  /** Adds a tool. Throws `DUPLICATE_TOOL` when the name is taken. */
  addTool(tool: Tool, owner: string): Dispose;
  /** Adds a provider. Throws `DUPLICATE_PROVIDER` when the id is taken. */
  addProvider(provider: Provider, owner: string): Dispose;
  tools(): readonly Tool[];
  tool(name: string): Tool | undefined;
  providers(): readonly Provider[];
  provider(id: string): Provider | undefined;
}

interface Entry<T> {
  value: T;
  owner: string;
}

/** An empty registry. */
export function createRegistry(): Registry {
  const tools = new Map<string, Entry<Tool>>();
  const providers = new Map<string, Entry<Provider>>();
  return {
    addTool: (tool, owner) => add(tools, tool.name, { value: tool, owner }, "tool"),
    addProvider: (provider, owner) => add(providers, provider.id, { value: provider, owner }, "provider"),
    tools: () => [...tools.values()].map((entry) => entry.value),
    tool: (name) => tools.get(name)?.value,
    providers: () => [...providers.values()].map((entry) => entry.value),
    provider: (id) => providers.get(id)?.value,
  };
}

function add<T>(
  map: Map<string, Entry<T>>,
  key: string,
  entry: Entry<T>,
  kind: "tool" | "provider",
): Dispose {
  const existing = map.get(key);
  if (existing !== undefined) {
    throw new KernelError(
      kind === "tool" ? "DUPLICATE_TOOL" : "DUPLICATE_PROVIDER",
      `The ${kind} "${key}" is already registered by "${existing.owner}"; "${entry.owner}" cannot register ` +
        `it too. ${kind === "tool" ? "Tool names" : "Provider ids"} must be unique: rename one of them.`,
      { [kind]: key, registeredBy: existing.owner, rejected: entry.owner },
    );
  }
  map.set(key, entry);
  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    if (map.get(key) === entry) map.delete(key);
  };
}
