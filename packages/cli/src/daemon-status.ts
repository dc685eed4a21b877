/**
 * The daemon-wide `GET /status` document the CLI's `status`, `doctor` and `attach` read: ports,
 * provider, model, data dir. Proposed for `transport-contract`; until every daemon serves it, the
 * CLI parses it field by field and falls back to other routes when it is absent (404).
 */
import type { HttpClient } from "./http.ts";

/** `GET /status` (proposed shape; every field optional to the CLI). */
export interface DaemonStatus {
  version?: string;
  pid?: number;
  startedAt?: number;
  dataDir?: string;
  httpUrl?: string;
  /** The surface/chat WebSocket, or `null` when it is not running. */
  surfaceWsUrl?: string | null;
  credentials?: { name: string; providerId: string; baseURL?: string }[];
  defaultModel?: string | null;
  activeTurns?: number;
  collector?: string;
}

/** Reads `GET /status`; `undefined` when the daemon has no such route. Other failures throw `CliError`s. */
export async function fetchDaemonStatus(
  client: HttpClient,
  timeoutMs?: number,
): Promise<DaemonStatus | undefined> {
  const response = await client.send("GET", "/status", timeoutMs ? { timeoutMs } : {});
  if (response.status === 404) return undefined;
  if (!response.ok) return undefined;
  try {
    return parseDaemonStatus(await response.json());
  } catch {
    return undefined;
  }
}

/** Keeps the fields of `value` that have the expected types. */
export function parseDaemonStatus(value: unknown): DaemonStatus {
  if (typeof value !== "object" || value === null) return {};
  const v = value as Record<string, unknown>;
  const status: DaemonStatus = {};
  const str = (key: string) => (typeof v[key] === "string" ? (v[key] as string) : undefined);
  const num = (key: string) => (typeof v[key] === "number" ? (v[key] as number) : undefined);
  const set = <K extends keyof DaemonStatus>(key: K, field: DaemonStatus[K] | undefined) => {
    if (field !== undefined) status[key] = field;
  };
  set("version", str("version"));
  set("pid", num("pid"));
  set("startedAt", num("startedAt"));
  set("dataDir", str("dataDir"));
  set("httpUrl", str("httpUrl"));
  set("surfaceWsUrl", v.surfaceWsUrl === null ? null : str("surfaceWsUrl"));
  set("defaultModel", v.defaultModel === null ? null : str("defaultModel"));
  set("activeTurns", num("activeTurns"));
  set("collector", str("collector"));
  if (Array.isArray(v.credentials)) {
    status.credentials = v.credentials.flatMap((c) => {
      if (typeof c !== "object" || c === null) return [];
      const { name, providerId, baseURL } = c as Record<string, unknown>;
      if (typeof name !== "string" || typeof providerId !== "string") return [];
      return [{ name, providerId, ...(typeof baseURL === "string" ? { baseURL } : {}) }];
    });
  }
  return status;
}

/** "2h 5m", "3m 12s", "40s". */
export function formatUptime(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}
