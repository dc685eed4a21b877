/**
 * What every command gets: the injected io, the HTTP client, the global flags and the styles.
 * Built once per invocation by `run.ts`.
 */
import type { GlobalFlags } from "./args.ts";
import type { ServerCandidate } from "./config.ts";
import type { ExitCode } from "./errors.ts";
import type { HttpClient } from "./http.ts";
import type { Io } from "./io.ts";
import type { Styles } from "./render.ts";
import type { TokenSearch } from "./token.ts";

/** A command's environment. */
export interface Context {
  io: Io;
  client: HttpClient;
  global: GlobalFlags;
  /** Color is on: stdout is a terminal, and neither `--no-color` nor `NO_COLOR` is set. */
  color: boolean;
  styles: Styles;
  servers: readonly ServerCandidate[];
  tokens: TokenSearch;
}

/** A command: resolves with the exit code, or throws a `CliError`. */
export type CommandHandler<C> = (ctx: Context, command: C) => Promise<ExitCode>;

/** Writes a JSON document on its own line (the `--json` output of non-turn commands). */
export function printJson(ctx: Context, value: unknown): void {
  ctx.io.stdout.write(`${JSON.stringify(value)}\n`);
}
