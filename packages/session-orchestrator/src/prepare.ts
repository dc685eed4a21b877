/**
 * What a model request for a conversation is made of, resolved the same way for a real turn and
 * for a cache-warming probe (so the probe replays the exact prompt prefix): the model, the cwd
 * ladder, the workspace's extra roots, reasoning effort, the per-turn tools and the system prompt.
 */
import { resolve as resolvePath } from "node:path";
import type { ConversationStore } from "@dispatch/conversation-store";
import type { CredentialStore, ResolvedModel } from "@dispatch/credential-store";
import type { HostApi, Tool } from "@dispatch/kernel";
import type { ReasoningEffort, Workspace } from "@dispatch/wire";
import { systemPromptSourceService, toolsFilter } from "./handles.ts";

/** Everything a model request needs besides the messages. */
export interface PreparedRequest {
  resolved: ResolvedModel;
  cwd: string;
  reasoningEffort: ReasoningEffort;
  workspaceId: string;
  /** The workspace's extra roots for the file tools (absolute); `[]` when it lists none. */
  roots: string[];
  tools: Tool[];
  systemPrompt: string | undefined;
}

/** Per-call overrides (a turn's request fields). */
export interface PrepareOverrides {
  model?: string;
  /** Replaces the conversation's own cwd in the ladder (not persisted). */
  cwd?: string;
  reasoningEffort?: ReasoningEffort;
  /** Replaces the conversation's workspace (a turn that moves it; not persisted here). */
  workspaceId?: string;
}

/** What `prepareRequest` reads. */
export interface PrepareDeps {
  host: HostApi;
  store: ConversationStore;
  credentials: CredentialStore;
  defaultCwd: string;
}

/**
 * The cwd ladder: the conversation's cwd (a relative one resolved against the workspace default,
 * else the server default), else the workspace default, else the server default.
 */
export function effectiveCwd(deps: PrepareDeps, conversationId: string, override?: string): string {
  const meta = deps.store.getMeta(conversationId);
  const own = override ?? (meta ? deps.store.getSettings(conversationId).cwd : null);
  const workspace = meta ? deps.store.getWorkspace(meta.workspaceId) : null;
  return cwdIn(deps, workspace, own);
}

/** The ladder below the conversation: its own cwd against the workspace default, else the server's. */
function cwdIn(deps: PrepareDeps, workspace: Workspace | null, own: string | null | undefined): string {
  const workspaceCwd = workspace?.defaultCwd;
  const base = workspaceCwd ? resolvePath(deps.defaultCwd, workspaceCwd) : deps.defaultCwd;
  return own ? resolvePath(base, own) : base;
}

/** Resolves the request parts, or says why the model cannot be used. */
export async function prepareRequest(
  deps: PrepareDeps,
  conversationId: string,
  overrides: PrepareOverrides = {},
): Promise<PreparedRequest | { error: string }> {
  const { host, store, credentials } = deps;
  const settings = store.getSettings(conversationId);
  const modelName = overrides.model ?? settings.model ?? credentials.defaultModel();
  if (!modelName) {
    return { error: "no model given and no default model configured: set DISPATCH_MODEL or pass a model" };
  }
  const resolved = credentials.resolve(modelName);
  if ("error" in resolved) return resolved;
  // A conversation this turn creates lands in the given workspace, else in `default`.
  const workspaceId = overrides.workspaceId ?? store.getMeta(conversationId)?.workspaceId ?? "default";
  const workspace = store.getWorkspace(workspaceId);
  const cwd = cwdIn(deps, workspace, overrides.cwd ?? settings.cwd);
  const roots = (workspace?.extraRoots ?? []).map((root) => resolvePath(deps.defaultCwd, root));
  const assembly = await host.applyFilters(toolsFilter, { tools: [...host.tools()], conversationId, cwd });
  const systemPrompt = await host
    .tryGetService(systemPromptSourceService)
    ?.forTurn({ conversationId, cwd, model: resolved.name, workspaceId });
  return {
    resolved,
    cwd,
    reasoningEffort: overrides.reasoningEffort ?? settings.reasoningEffort ?? "high",
    workspaceId,
    roots,
    tools: assembly.tools,
    systemPrompt,
  };
}
