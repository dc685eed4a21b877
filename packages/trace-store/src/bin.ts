/**
 * Dev entry of the `trace` CLI: `bun packages/trace-store/src/bin.ts show <turnId>`. The database is
 * `--db`, else `DISPATCH_TRACE_DB`, else `./.dispatch-data/traces.db` (the collector's default).
 */
import { runTraceCli } from "./cli.ts";

process.exitCode = runTraceCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  dbPath: process.env.DISPATCH_TRACE_DB ?? "./.dispatch-data/traces.db",
});
