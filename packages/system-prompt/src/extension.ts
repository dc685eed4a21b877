/**
 * The `system-prompt` extension: stores the global template (key-value namespace `system-prompt`)
 * and the prompt built for each conversation (its own table), and provides the orchestrator's
 * `systemPromptSourceService` port plus `systemPromptService` for the HTTP routes.
 */
import { type Dispose, type Extension, KERNEL_API_VERSION, storageService } from "@dispatch/kernel";
import { systemPromptSourceService } from "@dispatch/session-orchestrator";
import { createSystemPrompt, SYSTEM_PROMPT_OWNER } from "./builder.ts";
import { systemPromptService } from "./types.ts";
import type { ResolveOptions } from "./variables.ts";

/** Options of `createSystemPromptExtension`. */
export interface SystemPromptExtensionOptions {
  /** The template used while none is stored. Default `DEFAULT_TEMPLATE`. */
  defaultTemplate?: string;
  /** Limits of file variables and the git binary. */
  resolve?: ResolveOptions;
}

/** Creates the extension. */
export function createSystemPromptExtension(options: SystemPromptExtensionOptions = {}): Extension {
  const disposers: Dispose[] = [];
  return {
    manifest: {
      id: "system-prompt",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["storage-sqlite", "conversation-store"],
      description: "System prompt template with variables, built once per conversation and kept byte-stable",
    },
    activate(host) {
      const storage = host.getService(storageService);
      const { source, service, flush } = createSystemPrompt({
        sql: storage.sql,
        kv: storage.kv(SYSTEM_PROMPT_OWNER),
        logger: host.logger,
        now: host.now,
        ...(options.defaultTemplate === undefined ? {} : { defaultTemplate: options.defaultTemplate }),
        ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
      });
      disposers.push(
        flush,
        host.provideService(systemPromptSourceService, source),
        host.provideService(systemPromptService, service),
      );
    },
    deactivate() {
      for (const dispose of disposers.splice(0)) dispose();
    },
  };
}
