/**
 * Dev entry of the collector: `bun packages/observability-collector/src/bin.ts --journal … --db …`.
 * The installed daemon runs the same `main` as a subcommand of its own binary.
 */
import { main } from "./main.ts";

process.exit(await main(process.argv.slice(2)));
