/**
 * `dispatch doctor`: runs the checks a user would otherwise do by hand (server, daemon, token,
 * provider, ports, data dir, installed config) and prints each with what to fix. Exits with the
 * code of the first failure (3 unreachable, 4 token, 1 anything else), 0 when nothing failed.
 */

import { dirname, join } from "node:path";
import type { HealthResponse, ModelsResponse } from "@dispatch/transport-contract";
import { type Context, printJson } from "../context.ts";
import { type DaemonStatus, fetchDaemonStatus } from "../daemon-status.ts";
import { CliError, EXIT, type ExitCode, errorMessage } from "../errors.ts";
import { defaultDataDir, SERVICE_TOKEN_PATH } from "../token.ts";
import { probeSocket, socketUrl } from "./probe-socket.ts";

/** The outcome of one check. */
export interface Check {
  name: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  fix?: string;
  /** The exit code a failure maps to. */
  exitCode?: ExitCode;
}

/** Where the installed service's configuration lives. */
export const SERVICE_ENV_PATH = "/etc/dispatch/env";
const LOW_DISK_BYTES = 1024 ** 3;

/** `dispatch doctor`. */
export async function runDoctor(ctx: Context): Promise<ExitCode> {
  const checks: Check[] = [];
  const daemonUp = await checkDaemon(ctx, checks);
  let status: DaemonStatus | undefined;
  if (daemonUp) {
    status = await checkToken(ctx, checks);
    if (checks.at(-1)?.status !== "fail") {
      await checkProvider(ctx, checks, status);
      await checkSocket(ctx, checks, status);
    }
  }
  await checkDataDir(ctx, checks, status);
  await checkServiceEnv(ctx, checks);
  report(ctx, checks);
  const failure = checks.find((c) => c.status === "fail");
  return failure ? (failure.exitCode ?? EXIT.FAILED) : EXIT.OK;
}

async function checkDaemon(ctx: Context, checks: Check[]): Promise<boolean> {
  try {
    const health = await ctx.client.json<HealthResponse>("GET", "/health", { timeoutMs: 5000 });
    const server = ctx.servers.find((s) => s.url === ctx.client.baseUrl());
    checks.push({
      name: "server",
      status: "ok",
      detail: `${ctx.client.baseUrl()} (${server?.source ?? "given"})`,
    });
    if (health.ok === true) {
      checks.push({ name: "daemon", status: "ok", detail: "up (GET /health answered)" });
      return true;
    }
    checks.push({
      name: "daemon",
      status: "fail",
      detail: "/health did not say ok",
      exitCode: EXIT.UNREACHABLE,
    });
  } catch (err) {
    const urls = ctx.servers.map((s) => s.url).join(", ");
    checks.push({
      name: "server",
      status: "ok",
      detail: `${urls} (${ctx.servers.map((s) => s.source).join(", ")})`,
    });
    checks.push({
      name: "daemon",
      status: "fail",
      detail: err instanceof CliError ? err.message : errorMessage(err),
      fix: "start it: `npm start` in the repository, or `sudo systemctl start dispatch` (logs: `journalctl -u dispatch -e`)",
      exitCode: EXIT.UNREACHABLE,
    });
  }
  return false;
}

async function checkToken(ctx: Context, checks: Check[]): Promise<DaemonStatus | undefined> {
  try {
    const status = await fetchDaemonStatus(ctx.client, 5000);
    if (!status) await ctx.client.json("GET", "/conversations?status=active", { timeoutMs: 5000 });
    const source = ctx.client.tokenSource();
    checks.push({
      name: "token",
      status: "ok",
      detail: source
        ? `accepted (from ${source})`
        : "the server accepts requests without a token (DISPATCH_AUTH=off)",
    });
    return status;
  } catch (err) {
    const details = err instanceof CliError ? err.details : [];
    checks.push({
      name: "token",
      status: "fail",
      detail: err instanceof CliError ? err.message : errorMessage(err),
      fix: details.join(" ") || "set DISPATCH_TOKEN to the token in the daemon's data dir",
      exitCode: err instanceof CliError ? err.exitCode : EXIT.AUTH,
    });
    return undefined;
  }
}

async function checkProvider(ctx: Context, checks: Check[], status: DaemonStatus | undefined): Promise<void> {
  const configure =
    "set DISPATCH_BASE_URL (and DISPATCH_API_KEY) in .env, or in /etc/dispatch/env with `sudo bin/setup-env`, then restart the daemon";
  if (status?.credentials?.length === 0) {
    checks.push({ name: "provider", status: "fail", detail: "no model provider configured", fix: configure });
    return;
  }
  try {
    const body = await ctx.client.json<ModelsResponse>("GET", "/models", { timeoutMs: 20_000 });
    if (body.models.length === 0) {
      checks.push({
        name: "provider",
        status: "warn",
        detail: "reachable, but it lists no models",
        fix: configure,
      });
    } else if (status?.defaultModel && !body.models.includes(status.defaultModel)) {
      checks.push({
        name: "provider",
        status: "warn",
        detail: `${body.models.length} models, but the default ${status.defaultModel} is not among them`,
        fix: "set DISPATCH_MODEL to one of `dispatch models`",
      });
    } else {
      checks.push({
        name: "provider",
        status: "ok",
        detail: `reachable, ${body.models.length} model${body.models.length === 1 ? "" : "s"}`,
      });
    }
  } catch (err) {
    checks.push({
      name: "provider",
      status: "fail",
      detail: errorMessage(err),
      fix: "check DISPATCH_BASE_URL and DISPATCH_API_KEY (update them with `sudo bin/sync-env` for the service)",
    });
  }
}

async function checkSocket(ctx: Context, checks: Check[], status: DaemonStatus | undefined): Promise<void> {
  const url = socketUrl(ctx, status);
  if (url === null) {
    checks.push({
      name: "websocket",
      status: "warn",
      detail: "the daemon runs without its WebSocket transport",
    });
    return;
  }
  const outcome = await probeSocket(ctx, url);
  if (outcome === "ok") {
    checks.push({ name: "websocket", status: "ok", detail: `${url} accepts connections` });
    return;
  }
  checks.push({
    name: "websocket",
    status: "warn",
    detail: `${url}: ${outcome}`,
    fix: "`dispatch attach` and the web UI need it; check SURFACE_WS_PORT and the daemon log",
  });
}

async function checkDataDir(ctx: Context, checks: Check[], status: DaemonStatus | undefined): Promise<void> {
  const tokenFile = ctx.client.tokenSource();
  const fromToken = tokenFile?.startsWith("/") ? dirname(tokenFile) : undefined;
  const dir = status?.dataDir ?? fromToken ?? ctx.io.env.DISPATCH_DATA_DIR ?? defaultDataDir(ctx.io.env);
  if (!dir) return;
  const info = await ctx.io.statFile(dir);
  if (!info?.isDirectory) {
    checks.push({
      name: "data dir",
      status: "warn",
      detail: `${dir} is not visible from here`,
      fix: "fine if the daemon runs elsewhere or as another user; otherwise check DISPATCH_DATA_DIR",
    });
    return;
  }
  if (info.mode & 0o002) {
    checks.push({
      name: "data dir",
      status: "fail",
      detail: `${dir} is writable by everyone`,
      fix: `chmod 750 ${dir}`,
    });
    return;
  }
  const token = await ctx.io.statFile(join(dir, "token"));
  if (token && token.mode & 0o007) {
    checks.push({
      name: "data dir",
      status: "fail",
      detail: `${join(dir, "token")} is readable by everyone`,
      fix: `chmod ${dir === dirname(SERVICE_TOKEN_PATH) ? "640" : "600"} ${join(dir, "token")}`,
    });
    return;
  }
  const free = await ctx.io.freeBytes(dir);
  if (free !== undefined && free < LOW_DISK_BYTES) {
    const mib = Math.floor(free / 1024 ** 2);
    checks.push({
      name: "data dir",
      status: "warn",
      detail: `${dir}: only ${mib} MiB free`,
      fix: "free some disk space",
    });
    return;
  }
  checks.push({ name: "data dir", status: "ok", detail: dir });
}

async function checkServiceEnv(ctx: Context, checks: Check[]): Promise<void> {
  const info = await ctx.io.statFile(SERVICE_ENV_PATH);
  if (!info) return;
  if (info.mode & 0o077) {
    checks.push({
      name: "service env",
      status: "fail",
      detail: `${SERVICE_ENV_PATH} is readable by others (it holds API keys)`,
      fix: `sudo chmod 600 ${SERVICE_ENV_PATH}`,
    });
    return;
  }
  let text: string;
  try {
    text = await ctx.io.readFile(SERVICE_ENV_PATH);
  } catch {
    checks.push({
      name: "service env",
      status: "ok",
      detail: `${SERVICE_ENV_PATH} (root only; \`sudo dispatch doctor\` checks its keys)`,
    });
    return;
  }
  if (/^DISPATCH_API_KEY=sk-\.\.\.\s*$/m.test(text)) {
    checks.push({
      name: "service env",
      status: "fail",
      detail: `DISPATCH_API_KEY in ${SERVICE_ENV_PATH} is still the placeholder`,
      fix: "sudo bin/setup-env (or edit the file), then sudo systemctl restart dispatch",
    });
    return;
  }
  checks.push({ name: "service env", status: "ok", detail: SERVICE_ENV_PATH });
}

function report(ctx: Context, checks: readonly Check[]): void {
  if (ctx.global.json) {
    printJson(ctx, { ok: !checks.some((c) => c.status === "fail"), checks });
    return;
  }
  const { styles } = ctx;
  const label = { ok: styles.green("ok  "), warn: styles.yellow("warn"), fail: styles.red("FAIL") };
  const width = Math.max(...checks.map((c) => c.name.length));
  for (const check of checks) {
    ctx.io.stdout.write(`${label[check.status]}  ${check.name.padEnd(width)}  ${check.detail}\n`);
    if (check.fix && check.status !== "ok")
      ctx.io.stdout.write(`      ${" ".repeat(width)}  fix: ${check.fix}\n`);
  }
}
