/**
 * Workspace routes: list, create-or-update, read, rename, default cwd, extra roots for the file
 * tools, delete (the `default` workspace cannot be deleted: 409).
 */
import { isAbsolute } from "node:path";
import { type ConversationStore, MAX_WORKSPACE_EXTRA_ROOTS } from "@dispatch/conversation-store";
import type { SessionOrchestrator } from "@dispatch/session-orchestrator";
import type { WorkspaceDeleteResponse, WorkspaceListResponse } from "@dispatch/transport-contract";
import type { Context } from "hono";
import { z } from "zod";
import type { DispatchApp } from "./app.ts";
import { describeIssues, HttpError, parseBody, workspaceIdSchema } from "./validate.ts";

const extraRootsSchema = z
  .array(
    z
      .string()
      .min(1, "must be a non-empty path")
      .refine((path) => isAbsolute(path), "must be an absolute path"),
  )
  .max(MAX_WORKSPACE_EXTRA_ROOTS, `must list at most ${MAX_WORKSPACE_EXTRA_ROOTS} paths`);
const upsertBody = z.object({
  title: z.string().trim().min(1, "must be a non-empty string").max(200).optional(),
  defaultCwd: z.string().trim().min(1, "must be a non-empty path or null").nullable().optional(),
  extraRoots: extraRootsSchema.optional(),
});
const titleBody = z.object({ title: z.string().trim().min(1, "must be a non-empty string").max(200) });
const cwdBody = z.object({
  defaultCwd: z.string().trim().min(1, "must be a non-empty path or null").nullable(),
});
const extraRootsBody = z.object({ extraRoots: extraRootsSchema });

function workspaceIdParam(c: Context): string {
  const result = workspaceIdSchema.safeParse(c.req.param("id") ?? "");
  if (!result.success)
    throw new HttpError(400, `Invalid workspace id: ${describeIssues(result.error, "id")}`);
  return result.data;
}

function unknown(id: string): HttpError {
  return new HttpError(404, `No workspace "${id}". Create it with PUT /workspaces/${id}.`);
}

/** Registers the workspace routes on `app`. */
export function registerWorkspaceRoutes(
  app: DispatchApp,
  store: ConversationStore,
  orchestrator: SessionOrchestrator,
): void {
  app.get("/workspaces", (c) =>
    c.json({ workspaces: store.listWorkspaces() } satisfies WorkspaceListResponse),
  );

  app.get("/workspaces/:id", (c) => {
    const id = workspaceIdParam(c);
    const workspace = store.getWorkspace(id);
    if (!workspace) throw unknown(id);
    return c.json(workspace);
  });

  app.put("/workspaces/:id", async (c) => {
    const id = workspaceIdParam(c);
    const body = await parseBody(c, upsertBody);
    return c.json(
      store.upsertWorkspace(id, {
        ...(body.title !== undefined ? { title: body.title } : {}),
        ...(body.defaultCwd !== undefined ? { defaultCwd: body.defaultCwd } : {}),
        ...(body.extraRoots !== undefined ? { extraRoots: body.extraRoots } : {}),
      }),
    );
  });

  app.put("/workspaces/:id/title", async (c) => {
    const id = workspaceIdParam(c);
    const { title } = await parseBody(c, titleBody);
    const workspace = store.setWorkspaceTitle(id, title);
    if (!workspace) throw unknown(id);
    return c.json(workspace);
  });

  app.put("/workspaces/:id/default-cwd", async (c) => {
    const id = workspaceIdParam(c);
    const { defaultCwd } = await parseBody(c, cwdBody);
    const workspace = store.setWorkspaceDefaultCwd(id, defaultCwd);
    if (!workspace) throw unknown(id);
    return c.json(workspace);
  });

  app.put("/workspaces/:id/extra-roots", async (c) => {
    const id = workspaceIdParam(c);
    const { extraRoots } = await parseBody(c, extraRootsBody);
    const workspace = store.setWorkspaceExtraRoots(id, extraRoots);
    if (!workspace) throw unknown(id);
    return c.json(workspace);
  });

  app.delete("/workspaces/:id", (c) => {
    const id = workspaceIdParam(c);
    if (id !== "default" && store.getWorkspace(id)) {
      // Running turns of the workspace stop first; the store then closes and reassigns them.
      for (const meta of store.listConversations({ workspaceId: id })) {
        if (orchestrator.isActive(meta.id)) orchestrator.close(meta.id);
      }
    }
    const outcome = store.deleteWorkspace(id);
    if ("error" in outcome) {
      if (outcome.error === "default") throw new HttpError(409, 'The "default" workspace cannot be deleted.');
      throw unknown(id);
    }
    return c.json({ workspaceId: id, closedCount: outcome.closedCount } satisfies WorkspaceDeleteResponse);
  });
}
