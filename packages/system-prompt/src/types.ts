/**
 * The system prompt service behind `GET|PUT /system-prompt` and `GET /system-prompt/variables`.
 * The orchestrator's side is the `systemPromptSourceService` port of session-orchestrator, which
 * this package provides too.
 */
import { defineService } from "@dispatch/kernel";
import type { SystemPromptVariable } from "./catalog.ts";

export interface SystemPromptService {
  /** The global template: the stored one, else the built-in default. */
  getTemplate(): string;
  /**
   * Stores the global template; `""` means no system prompt. Conversations keep the prompt already
   * built for them until their cwd changes or they are invalidated (compaction).
   */
  setTemplate(template: string): void;
  /** The variable catalog. */
  variables(): SystemPromptVariable[];
}

/** Provided by the `system-prompt` extension. */
export const systemPromptService = defineService<SystemPromptService>("system-prompt/service");
