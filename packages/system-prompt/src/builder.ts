/**
 * `createSystemPrompt`: the orchestrator's `SystemPromptSource` and the template service over one
 * database. A conversation's prompt is built once from the global template and persisted with the
 * cwd it was built for; later turns get those exact bytes (prompt caching depends on it) until the
 * cwd changes or the conversation is invalidated. A new build is written by `persist`, inside the
 * turn's opening transaction (one commit instead of two); what no turn persisted (a warm probe, a
 * turn that failed before opening) is written on the next macrotask, and at `flush`.
 */
import type { KeyValueStore, Logger, Migration, SqlDatabase } from "@dispatch/kernel";
import type { SystemPromptContext, SystemPromptSource } from "@dispatch/session-orchestrator";
import { VARIABLE_CATALOG } from "./catalog.ts";
import { DEFAULT_TEMPLATE } from "./default-template.ts";
import { createGitCache } from "./git-cache.ts";
import { parseTemplate, renderTemplate, type TemplateNode, templateKeys } from "./template.ts";
import type { SystemPromptService } from "./types.ts";
import { type ResolveOptions, resolveVariables } from "./variables.ts";

/** The migration owner of the built-prompt table and the key-value namespace of the template. */
export const SYSTEM_PROMPT_OWNER = "system-prompt";

/** The schema. */
export const SYSTEM_PROMPT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "built prompts per conversation",
    up: `
      CREATE TABLE system_prompts (
        conversation_id TEXT NOT NULL PRIMARY KEY,
        cwd TEXT NOT NULL,
        prompt TEXT NOT NULL,
        built_at INTEGER NOT NULL
      );
    `,
  },
];

const TEMPLATE_KEY = "template";

/** Options of `createSystemPrompt`. */
export interface SystemPromptOptions {
  sql: SqlDatabase;
  /** Holds the global template. */
  kv: KeyValueStore;
  logger: Logger;
  now: () => number;
  /** The template used while none is stored. Default `DEFAULT_TEMPLATE`. */
  defaultTemplate?: string;
  /** Limits of file variables and the git binary. */
  resolve?: ResolveOptions;
}

/** Migrates the table and returns both faces. */
export function createSystemPrompt(options: SystemPromptOptions): {
  source: SystemPromptSource;
  service: SystemPromptService;
  /** Writes every build not persisted yet (the extension calls it when it deactivates). */
  flush(): void;
} {
  const { sql, kv, logger, now } = options;
  sql.migrate(SYSTEM_PROMPT_OWNER, SYSTEM_PROMPT_MIGRATIONS);
  const select = sql.prepare<{ cwd: string; prompt: string }>(
    "SELECT cwd, prompt FROM system_prompts WHERE conversation_id = ?",
  );
  const save = sql.prepare(
    `INSERT INTO system_prompts (conversation_id, cwd, prompt, built_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (conversation_id) DO UPDATE SET cwd = excluded.cwd, prompt = excluded.prompt, built_at = excluded.built_at`,
  );
  const remove = sql.prepare("DELETE FROM system_prompts WHERE conversation_id = ?");
  // Concurrent requests for one conversation (a turn and a warm probe) share one build; an
  // invalidation bumps the epoch so a build already running does not persist a stale prompt.
  const building = new Map<string, Promise<string>>();
  const epochs = new Map<string, number>();
  // Builds not written yet, by conversation: served from here until written.
  const unsaved = new Map<string, { cwd: string; prompt: string; builtAt: number }>();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  // Conversations started together in one cwd share one `git` run per variable.
  const resolveOptions: ResolveOptions = { gitCache: createGitCache({ now }), ...options.resolve };

  const service: SystemPromptService = {
    getTemplate: () => kv.get(TEMPLATE_KEY) ?? options.defaultTemplate ?? DEFAULT_TEMPLATE,
    setTemplate: (template) => kv.set(TEMPLATE_KEY, template),
    variables: () => VARIABLE_CATALOG.map((variable) => ({ ...variable })),
  };

  // The template changes rarely; its parse is kept until it does.
  let parsed: { template: string; nodes: TemplateNode[]; keys: string[] } | undefined;
  const parse = (template: string) => {
    if (parsed?.template !== template) {
      const nodes = parseTemplate(template);
      parsed = { template, nodes, keys: templateKeys(nodes) };
    }
    return parsed;
  };

  async function build(context: SystemPromptContext): Promise<string> {
    const epoch = epochs.get(context.conversationId) ?? 0;
    const { nodes, keys } = parse(service.getTemplate());
    const values = await resolveVariables(keys, { ...context, now: now() }, resolveOptions);
    const prompt = renderTemplate(nodes, (key) => values.get(key));
    if ((epochs.get(context.conversationId) ?? 0) === epoch) {
      unsaved.set(context.conversationId, { cwd: context.cwd, prompt, builtAt: now() });
      flushTimer ??= setTimeout(flush, 0);
    }
    logger
      .child({ conversationId: context.conversationId })
      .debug("system prompt built", { bytes: prompt.length });
    return prompt;
  }

  /** Writes the conversation's unsaved build, if any (inside the caller's transaction when there is one). */
  function persist(conversationId: string): void {
    const build = unsaved.get(conversationId);
    if (!build) return;
    save.run(conversationId, build.cwd, build.prompt, build.builtAt);
    unsaved.delete(conversationId);
  }

  function flush(): void {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (unsaved.size === 0) return;
    const builds = [...unsaved];
    try {
      sql.transaction(() => {
        for (const [conversationId, build] of builds) {
          save.run(conversationId, build.cwd, build.prompt, build.builtAt);
        }
      });
      // Forgotten only once committed (and unless rebuilt or invalidated meanwhile).
      for (const [conversationId, build] of builds) {
        if (unsaved.get(conversationId) === build) unsaved.delete(conversationId);
      }
    } catch (err) {
      // Kept in memory: the next turn's opening transaction tries again.
      logger.warn("could not store built system prompts", { err, count: unsaved.size });
    }
  }

  function shared(context: SystemPromptContext): Promise<string> {
    const key = `${context.conversationId}\u0000${context.cwd}`;
    const running = building.get(key);
    if (running) return running;
    const pending: Promise<string> = build(context).finally(() => {
      if (building.get(key) === pending) building.delete(key);
    });
    building.set(key, pending);
    return pending;
  }

  const source: SystemPromptSource = {
    async forTurn(context) {
      try {
        const stored = unsaved.get(context.conversationId) ?? select.get(context.conversationId);
        const prompt = stored?.cwd === context.cwd ? stored.prompt : await shared(context);
        return prompt.trim() === "" ? undefined : prompt;
      } catch (err) {
        const log = logger.child({ conversationId: context.conversationId });
        log.warn("no system prompt for this turn: building it failed", { err });
        return undefined;
      }
    },
    persist(conversationId) {
      try {
        persist(conversationId);
      } catch (err) {
        logger.child({ conversationId }).warn("could not store the built system prompt", { err });
      }
    },
    invalidate(conversationId) {
      epochs.set(conversationId, (epochs.get(conversationId) ?? 0) + 1);
      unsaved.delete(conversationId);
      for (const key of building.keys()) {
        if (key.startsWith(`${conversationId}\u0000`)) building.delete(key);
      }
      try {
        remove.run(conversationId);
      } catch (err) {
        logger.child({ conversationId }).warn("could not forget the system prompt", { err });
      }
    },
  };
  return { source, service, flush };
}
