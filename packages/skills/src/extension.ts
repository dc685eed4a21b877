/**
 * The `skills` extension: registers `load_skill` and the `toolsFilter` handler that lists the
 * skills of each turn's cwd in its description.
 */
import { homedir } from "node:os";
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { toolsFilter } from "@dispatch/session-orchestrator";
import { createLoadSkillTool } from "./load-skill-tool.ts";
import { createSkillsToolsFilter } from "./tools-filter.ts";

/** Options of `createSkillsExtension`. */
export interface SkillsExtensionOptions {
  /** Where home skills live; defaults to the user's home directory. */
  homeDir?: string;
}

/**
 * The extension registering `load_skill`. The description filter runs on every turn the
 * orchestrator assembles.
 * @example createSkillsExtension({ homeDir: os.homedir() })
 */
export function createSkillsExtension(options: SkillsExtensionOptions = {}): Extension {
  return {
    manifest: {
      id: "skills",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: [],
      description: "load_skill: Agent Skills and .skills/ discovery in the cwd and home, listed per turn",
    },
    activate(host) {
      const homeDir = options.homeDir ?? homedir();
      host.registerTool(createLoadSkillTool({ homeDir }));
      host.addFilter(toolsFilter, createSkillsToolsFilter({ homeDir }));
    },
  };
}
