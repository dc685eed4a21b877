/**
 * Which language servers serve a cwd. Built-ins (when their binary is on PATH) are merged with one
 * project file: `<cwd>/.dispatch/lsp.json` (`{ servers: { id: {...} } }`), else the `lsp` key of
 * `<cwd>/opencode.json`. Project entries run repo-chosen commands, so they apply only when trusted;
 * untrusted files may still disable servers. Read on every call: the files are small.
 */
import { readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { z } from "zod";
import { BUILTIN_SERVERS, type BuiltinContext, type BuiltinServer } from "./builtins.ts";

/** Where a server's configuration came from. */
export type ConfigSource = "builtin" | ".dispatch/lsp.json" | "opencode.json";

/** One server as resolved for a cwd. */
export interface ServerConfig {
  id: string;
  name: string;
  /** Executable and arguments; built-ins carry the absolute path found on PATH. */
  command: string[];
  /** Added to the base environment. */
  env: Record<string, string>;
  /** Lower-case, with the dot (`.ts`). */
  extensions: string[];
  rootMarkers: string[];
  /** `initializationOptions` for a workspace root. */
  initialization(root: string): unknown;
  /** Answers to `workspace/configuration` and the `didChangeConfiguration` payload. */
  settings?: Record<string, unknown>;
  source: ConfigSource;
}

/** A server listed in a file but not used, and why. */
export interface SkippedServer {
  id: string;
  source: ConfigSource;
  reason: string;
  state: "error" | "not-started";
}

/** Everything known about a cwd's servers. */
export interface ResolvedConfig {
  servers: ServerConfig[];
  skipped: SkippedServer[];
}

/** What resolution depends on besides the cwd. */
export interface ConfigOptions extends BuiltinContext {
  /** Spawn servers defined by project files. */
  trustProjectConfig: boolean;
  enableBuiltins: boolean;
  /** PATH used to find built-in binaries. */
  searchPath: string | undefined;
}

const entrySchema = z.looseObject({
  name: z.string().min(1).optional(),
  command: z.array(z.string().min(1)).min(1).optional(),
  extensions: z.array(z.string().regex(/^\.?[\w.+-]+$/, "an extension such as .ts")).optional(),
  rootMarkers: z.array(z.string().min(1)).optional(),
  env: z.record(z.string(), z.string()).optional(),
  initialization: z.record(z.string(), z.unknown()).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
  disabled: z.boolean().optional(),
});
type Entry = z.output<typeof entrySchema>;

const dispatchFileSchema = z.looseObject({ servers: z.record(z.string(), z.unknown()).optional() });
const opencodeFileSchema = z.looseObject({
  lsp: z.union([z.literal(false), z.record(z.string(), z.unknown())]).optional(),
});
const ID = /^[A-Za-z0-9][\w.-]*$/;

interface ProjectLayer {
  source: ConfigSource;
  /** `false`: the file turns every server off. */
  entries: Record<string, unknown> | false;
}

/** The servers for `cwd` (a real absolute path). Never throws: problems become `skipped` entries. */
export function resolveConfig(cwd: string, options: ConfigOptions): ResolvedConfig {
  const skipped: SkippedServer[] = [];
  const layer = readProjectLayer(cwd, skipped);
  const merged = new Map<string, ServerConfig>();
  if (options.enableBuiltins && layer?.entries !== false) {
    for (const builtin of BUILTIN_SERVERS) merged.set(builtin.id, fromBuiltin(builtin, options));
  }
  if (layer !== undefined && layer.entries !== false) {
    for (const [id, raw] of Object.entries(layer.entries)) {
      applyEntry(merged, skipped, { id, raw, source: layer.source, options });
    }
  }
  const servers: ServerConfig[] = [];
  for (const server of merged.values()) {
    const binary = server.command[0];
    if (binary === undefined || binary === "") continue; // a built-in whose binary is not on PATH
    servers.push(server);
  }
  return { servers, skipped };
}

/** The servers among `servers` that handle `path`, by extension. */
export function serversFor(servers: readonly ServerConfig[], path: string): ServerConfig[] {
  const ext = extname(path).toLowerCase();
  return ext === "" ? [] : servers.filter((server) => server.extensions.includes(ext));
}

function readProjectLayer(cwd: string, skipped: SkippedServer[]): ProjectLayer | undefined {
  const dispatch = readJson(join(cwd, ".dispatch", "lsp.json"));
  if (dispatch.state === "invalid") {
    skipped.push({
      id: ".dispatch/lsp.json",
      source: ".dispatch/lsp.json",
      reason: dispatch.reason,
      state: "error",
    });
  } else if (dispatch.state === "ok") {
    const parsed = dispatchFileSchema.safeParse(dispatch.value);
    if (parsed.success) return { source: ".dispatch/lsp.json", entries: parsed.data.servers ?? {} };
    skipped.push({
      id: ".dispatch/lsp.json",
      source: ".dispatch/lsp.json",
      reason: `expected { "servers": { "<id>": { ... } } }: ${issues(parsed.error)}`,
      state: "error",
    });
    return undefined;
  }
  const opencode = readJson(join(cwd, "opencode.json"));
  if (opencode.state === "invalid") {
    skipped.push({ id: "opencode.json", source: "opencode.json", reason: opencode.reason, state: "error" });
    return undefined;
  }
  if (opencode.state !== "ok") return undefined;
  const parsed = opencodeFileSchema.safeParse(opencode.value);
  if (!parsed.success) {
    const reason = `the "lsp" key must be false or an object: ${issues(parsed.error)}`;
    skipped.push({ id: "opencode.json", source: "opencode.json", reason, state: "error" });
    return undefined;
  }
  return parsed.data.lsp === undefined ? undefined : { source: "opencode.json", entries: parsed.data.lsp };
}

interface EntryInput {
  id: string;
  raw: unknown;
  source: ConfigSource;
  options: ConfigOptions;
}

function applyEntry(merged: Map<string, ServerConfig>, skipped: SkippedServer[], input: EntryInput): void {
  const { id, source, options } = input;
  const parsed = entrySchema.safeParse(input.raw);
  if (!ID.test(id) || !parsed.success) {
    const reason = parsed.success ? "the id must be letters, digits, '.', '_' or '-'" : issues(parsed.error);
    skipped.push({ id, source, reason: `invalid entry: ${reason}`, state: "error" });
    return;
  }
  const entry = parsed.data;
  if (entry.disabled === true) {
    merged.delete(id);
    return;
  }
  if (!options.trustProjectConfig) {
    const reason = `not started: ${source} defines commands, and project LSP configuration is trusted only when the daemon enables trustProjectConfig`;
    skipped.push({ id, source, reason, state: "not-started" });
    return;
  }
  const base = merged.get(id) ?? builtinBase(id, options);
  const server = mergeEntry(id, entry, base, source);
  if (server === undefined) {
    skipped.push({
      id,
      source,
      reason: "invalid entry: `command` is required for a server that is not built in",
      state: "error",
    });
    return;
  }
  merged.set(id, server);
}

function builtinBase(id: string, options: ConfigOptions): ServerConfig | undefined {
  const builtin = BUILTIN_SERVERS.find((candidate) => candidate.id === id);
  return builtin === undefined ? undefined : fromBuiltin(builtin, options);
}

function mergeEntry(
  id: string,
  entry: Entry,
  base: ServerConfig | undefined,
  source: ConfigSource,
): ServerConfig | undefined {
  const command = entry.command ?? base?.command;
  if (command === undefined) return undefined;
  const initialization = entry.initialization;
  return {
    id,
    name: entry.name ?? base?.name ?? id,
    command: [...command],
    env: { ...base?.env, ...entry.env },
    extensions: (entry.extensions ?? base?.extensions ?? []).map(normalizeExtension),
    rootMarkers: entry.rootMarkers ?? base?.rootMarkers ?? [],
    initialization:
      initialization === undefined ? (base?.initialization ?? (() => undefined)) : () => initialization,
    ...(entry.settings === undefined ? {} : { settings: entry.settings }),
    source,
  };
}

function fromBuiltin(builtin: BuiltinServer, options: ConfigOptions): ServerConfig {
  const found = Bun.which(
    builtin.binary,
    options.searchPath === undefined ? {} : { PATH: options.searchPath },
  );
  const { initialization } = builtin;
  return {
    id: builtin.id,
    name: builtin.name,
    // An empty executable marks "not on PATH"; a project entry may still supply a command.
    command: [found ?? "", ...builtin.args],
    env: {},
    extensions: [...builtin.extensions],
    rootMarkers: [...builtin.rootMarkers],
    initialization: (root) => initialization?.(root, options),
    source: "builtin",
  };
}

function normalizeExtension(ext: string): string {
  const lower = ext.toLowerCase();
  return lower.startsWith(".") ? lower : `.${lower}`;
}

type JsonRead = { state: "missing" } | { state: "invalid"; reason: string } | { state: "ok"; value: unknown };

function readJson(path: string): JsonRead {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { state: "missing" };
  }
  try {
    return { state: "ok", value: JSON.parse(text) };
  } catch (err) {
    return {
      state: "invalid",
      reason: `not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

function issues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`)
    .join("; ");
}
