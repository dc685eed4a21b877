/**
 * The hono application: guards first, then the routes, with one error handler that turns every
 * failure into `{ error }` and a status code.
 */
import type { ConversationStore } from "@dispatch/conversation-store";
import type { CredentialStore } from "@dispatch/credential-store";
import type { Logger } from "@dispatch/kernel";
import type { SessionOrchestrator } from "@dispatch/session-orchestrator";
import type { DaemonStatusResponse, HealthResponse, ModelsResponse } from "@dispatch/transport-contract";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { handleChat } from "./chat.ts";
import { registerConversationRoutes } from "./conversations.ts";
import { type FeatureDeps, registerFeatureRoutes } from "./features.ts";
import { type SecurityOptions, securityMiddleware } from "./security.ts";
import { registerSettingsRoutes, type SettingsDeps } from "./settings.ts";
import { HttpError } from "./validate.ts";
import { registerWorkspaceRoutes } from "./workspaces.ts";

/** The Bun server, passed to `app.fetch` so long-lived responses can lift the idle timeout. */
export interface ServerBinding {
  server?: { timeout(request: Request, seconds: number): void };
}

/** What the app needs. */
export interface AppDeps {
  orchestrator: SessionOrchestrator;
  store: ConversationStore;
  credentials: CredentialStore;
  security: SecurityOptions;
  logger: Logger;
  newConversationId(): string;
  queue: SettingsDeps["queue"];
  warm: FeatureDeps["warm"];
  compaction: FeatureDeps["compaction"];
  systemPrompt: FeatureDeps["systemPrompt"];
  throughput: FeatureDeps["throughput"];
  lsp: FeatureDeps["lsp"];
  ownCwd: FeatureDeps["ownCwd"];
  /** The daemon's own state for `GET /status`; undefined when the composition root gave none. */
  status(): DaemonStatusResponse | undefined;
}

export type DispatchApp = Hono<{ Bindings: ServerBinding }>;

/** Routes whose answer may take longer than the server's idle timeout (a turn, a provider call). */
export const LONG_ROUTES = ["/chat/warm", "/conversations/:id/last", "/conversations/:id/compact"] as const;

/** Turns the server's idle timeout off for one request, so a slow answer is not cut. */
function keepOpen(c: Context<{ Bindings: ServerBinding }>): void {
  c.env?.server?.timeout(c.req.raw, 0);
}

const liftIdleTimeout: MiddlewareHandler<{ Bindings: ServerBinding }> = async function liftIdleTimeout(
  c,
  next,
) {
  keepOpen(c);
  await next();
};

/** Builds the app. */
export function createApp(deps: AppDeps): DispatchApp {
  const app: DispatchApp = new Hono<{ Bindings: ServerBinding }>();
  for (const middleware of securityMiddleware(deps.security)) app.use(middleware);

  app.get("/health", (c) => c.json({ ok: true } satisfies HealthResponse));

  app.get("/status", (c) => {
    const status = deps.status();
    if (!status) throw new HttpError(503, "This daemon does not report its status.");
    return c.json(status);
  });

  app.get("/models", async (c) => {
    try {
      const catalog = await deps.credentials.catalog(c.req.raw.signal);
      return c.json({ models: catalog.models, modelInfo: catalog.modelInfo } satisfies ModelsResponse);
    } catch (err) {
      deps.logger.warn("model catalog failed", { err });
      throw new HttpError(502, `Could not list models from the provider: ${(err as Error).message}`);
    }
  });

  app.post("/chat", (c) =>
    handleChat(c, {
      orchestrator: deps.orchestrator,
      newConversationId: deps.newConversationId,
      keepOpen,
    }),
  );
  // These wait on a turn or a provider call that may stay silent past the server's idle timeout.
  for (const path of LONG_ROUTES) app.use(path, liftIdleTimeout);

  registerConversationRoutes(app, { store: deps.store, orchestrator: deps.orchestrator });
  registerSettingsRoutes(app, { store: deps.store, orchestrator: deps.orchestrator, queue: deps.queue });
  registerWorkspaceRoutes(app, deps.store, deps.orchestrator);
  registerFeatureRoutes(app, deps);

  app.notFound((c) =>
    c.json(
      {
        error: `No route ${c.req.method} ${c.req.path}. The routes are listed in the README's HTTP API table.`,
      },
      404,
    ),
  );
  app.onError((err, c) => {
    if (err instanceof HttpError) return c.json({ error: err.message }, err.status);
    deps.logger.error("request failed", { err, method: c.req.method, path: c.req.path });
    return c.json({ error: `Internal error: ${err.message}. The server log has the details.` }, 500);
  });
  return app;
}
