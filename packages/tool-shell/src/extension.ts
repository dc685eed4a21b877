/**
 * The `tool-shell` extension: builds the secret-free environment and registers `run_shell`, which
 * probes the strongest process isolation available on its first call (not at activation: the probe
 * runs two processes one after the other, which would delay the daemon's start).
 */
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { childEnvironment } from "./environment.ts";
import { createIsolationProbe } from "./isolation.ts";
import { createShellTool } from "./shell-tool.ts";

/** Options of `createShellExtension`. */
export interface ShellExtensionOptions {
  /** Names of environment variables holding the daemon's secrets (removed besides the name patterns). */
  secretEnvNames?: readonly string[];
  /** The environment to start from; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Force an isolation kind; `auto` (default) picks a PID namespace when the machine allows it.
   * `pid-namespace` probes at activation, which fails where unshare is not usable.
   */
  isolation?: "auto" | "pid-namespace" | "process-group";
  /** Defaults to bash when installed, else `/bin/sh`. */
  shell?: string;
  /** Characters kept in a result; defaults to 50,000. */
  maxOutputChars?: number;
}

/**
 * The extension registering `run_shell`.
 * @example createShellExtension({ secretEnvNames: ["MY_PROVIDER_KEY"] })
 */
export function createShellExtension(options: ShellExtensionOptions = {}): Extension {
  return {
    manifest: {
      id: "tool-shell",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: [],
      description: "run_shell: streamed output, capped result, whole process tree killed on timeout or abort",
    },
    async activate(host) {
      const isolation = createIsolationProbe(options.isolation ?? "auto", (chosen) =>
        host.logger.info("shell isolation chosen", {
          isolation: chosen.kind,
          prefix: chosen.prefix.join(" "),
        }),
      );
      // A required namespace is checked now, so a machine without one fails at boot, not mid-turn.
      if (options.isolation === "pid-namespace" && (await isolation()).kind !== "pid-namespace") {
        throw new Error("tool-shell: a PID namespace was required but unshare is not usable here");
      }
      host.registerTool(
        createShellTool({
          isolation,
          env: childEnvironment(options.env ?? process.env, options.secretEnvNames),
          shell: options.shell ?? Bun.which("bash") ?? "/bin/sh",
          ...(options.maxOutputChars === undefined ? {} : { maxOutputChars: options.maxOutputChars }),
        }),
      );
    },
  };
}
