/**
 * `dispatch status`: is the daemon up, where, with which token, provider and model, on which
 * ports. Uses `GET /health` and `GET /status`; an older daemon without `/status` gets `/models`.
 */
import type { HealthResponse, ModelsResponse } from "@dispatch/transport-contract";
import type { Context } from "../context.ts";
import { printJson } from "../context.ts";
import { type DaemonStatus, fetchDaemonStatus, formatUptime } from "../daemon-status.ts";
import { CliError, EXIT, type ExitCode } from "../errors.ts";
import { probeSocket, socketUrl } from "./probe-socket.ts";

const TIMEOUT_MS = 5000;

/** `dispatch status`. */
export async function runStatus(ctx: Context): Promise<ExitCode> {
  const { client, io, styles } = ctx;
  const health = await client.json<HealthResponse>("GET", "/health", { timeoutMs: TIMEOUT_MS });
  if (health.ok !== true) {
    throw new CliError(
      EXIT.UNREACHABLE,
      `${client.baseUrl()} answered /health without ok: is it a Dispatch server?`,
    );
  }
  const status = await fetchDaemonStatus(client, TIMEOUT_MS);
  const models = status
    ? undefined
    : await client.json<ModelsResponse>("GET", "/models", { timeoutMs: TIMEOUT_MS * 4 });
  if (ctx.global.json) {
    printJson(ctx, {
      server: client.baseUrl(),
      up: true,
      tokenSource: client.tokenSource() ?? null,
      daemon: status ?? null,
      ...(models ? { models: models.models } : {}),
    });
    return EXIT.OK;
  }
  const rows: [string, string][] = [
    ["Dispatch server", `${client.baseUrl()} ${styles.green("up")}`],
    ["Token", client.tokenSource() ?? "none (the server accepts requests without one)"],
  ];
  if (status) rows.push(...statusRows(status, io.now()));
  else rows.push(["Models", `${models?.models.length ?? 0} available${listFew(models?.models ?? [])}`]);
  const ws = socketUrl(ctx, status);
  if (ws !== null) {
    const outcome = await probeSocket(ctx, ws, TIMEOUT_MS);
    rows.push([
      "Surface WS",
      `${ws} ${outcome === "ok" ? styles.green("up") : styles.yellow(`(${outcome})`)}`,
    ]);
  }
  if (!status) {
    rows.push([
      "Details",
      styles.dim("this daemon has no GET /status: provider, data dir and more are unknown"),
    ]);
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) io.stdout.write(`${label.padEnd(width)}  ${value}\n`);
  return EXIT.OK;
}

function statusRows(status: DaemonStatus, now: number): [string, string][] {
  const rows: [string, string][] = [];
  const about = [
    status.pid !== undefined ? `pid ${status.pid}` : "",
    status.startedAt !== undefined ? `up ${formatUptime(now - status.startedAt)}` : "",
  ].filter((s) => s !== "");
  if (status.version)
    rows.push(["Version", `${status.version}${about.length > 0 ? ` (${about.join(", ")})` : ""}`]);
  for (const credential of status.credentials ?? []) {
    rows.push([
      "Provider",
      `${credential.name}: ${credential.providerId}${credential.baseURL ? ` at ${credential.baseURL}` : ""}`,
    ]);
  }
  if (status.credentials?.length === 0)
    rows.push(["Provider", "none configured (set DISPATCH_BASE_URL / DISPATCH_API_KEY)"]);
  if (status.defaultModel !== undefined) rows.push(["Default model", status.defaultModel ?? "none"]);
  if (status.httpUrl) rows.push(["HTTP API", status.httpUrl]);
  if (status.surfaceWsUrl === null) rows.push(["Surface WS", "not running"]);
  if (status.dataDir) rows.push(["Data dir", status.dataDir]);
  if (status.activeTurns !== undefined) rows.push(["Active turns", String(status.activeTurns)]);
  if (status.collector) rows.push(["Collector", status.collector]);
  return rows;
}

function listFew(models: readonly string[]): string {
  if (models.length === 0) return "";
  const shown = models.slice(0, 3).join(", ");
  return models.length > 3 ? ` (${shown}, …)` : ` (${shown})`;
}
