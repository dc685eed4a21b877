/**
 * The extension ABI: a manifest plus `activate(host)`. The host activates extensions in dependency
 * order and hands each a `HostApi` scoped to it (its logger is stamped with its id; what it registers
 * is removed again if its activation fails).
 */
import type { AbortSignalLike, Now, Sleep } from "../platform.ts";
import type { Bus } from "./hooks.ts";
import type { Logger } from "./logging.ts";
import type { Provider } from "./provider.ts";
import type { Tool } from "./tool.ts";

/** The ABI version extensions declare against. Bumped on breaking changes to this package. */
export const KERNEL_API_VERSION = 1;

/** Who an extension is and what it needs. */
export interface ExtensionManifest {
  /** Unique, kebab-case (e.g. `tool-shell`). */
  id: string;
  version: string;
  /** Must equal `KERNEL_API_VERSION`; otherwise the extension is disabled with a reason. */
  apiVersion: number;
  /** Ids of extensions that must be active first. */
  dependsOn?: readonly string[];
  /** One line for humans (the Loaded Extensions surface). */
  description?: string;
}

/** A feature. */
export interface Extension {
  readonly manifest: ExtensionManifest;
  /** Registers tools, providers, services and listeners. A throw disables this extension and its dependents. */
  activate(host: HostApi): void | Promise<void>;
  /** Releases what `activate` acquired. Called in reverse activation order; errors are logged. */
  deactivate?(): void | Promise<void>;
}

/** Where an extension stands after boot. */
export interface ExtensionStatus {
  id: string;
  version: string;
  description?: string;
  state: "active" | "disabled";
  /** Why it is disabled. */
  reason?: string;
}

/** What `activate` receives. */
export interface HostApi extends Bus {
  readonly extensionId: string;
  readonly logger: Logger;
  readonly now: Now;
  readonly sleep: Sleep;
  /** Registers a tool. Throws `DUPLICATE_TOOL` if the name is taken. */
  registerTool(tool: Tool): void;
  /** Registers a provider. Throws `DUPLICATE_PROVIDER` if the id is taken. */
  registerProvider(provider: Provider): void;
  tools(): readonly Tool[];
  tool(name: string): Tool | undefined;
  providers(): readonly Provider[];
  provider(id: string): Provider | undefined;
  /** Every extension of the host with its state, in activation order. */
  extensions(): readonly ExtensionStatus[];
}

/** Everything the host needs from the platform. */
export interface HostOptions {
  extensions: readonly Extension[];
  logger: Logger;
  now: Now;
  sleep: Sleep;
  /**
   * How long one `activate` may take before the extension is disabled and boot moves on (default
   * 30 000 ms), measured with `sleep` and `now`.
   */
  activationTimeoutMs?: number;
}

/** The extension host. */
export interface Host {
  /** Activates every extension in order. Never throws for a failing extension; records it as disabled. */
  activate(): Promise<void>;
  /** Deactivates active extensions in reverse order; errors are logged. Idempotent. */
  deactivate(): Promise<void>;
  status(): readonly ExtensionStatus[];
  /** A host-level API (`extensionId: "host"`) for the composition root. */
  readonly api: HostApi;
}

/** Re-exported so extensions need only the kernel for signals. */
export type { AbortSignalLike };
