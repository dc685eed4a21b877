/**
 * The composition root. `main.ts` is the entry point; these exports let tests boot a daemon in
 * process and read the configuration rules.
 * @module
 */
export { type Config, ConfigError, loadConfig, parseDotEnv } from "./config.ts";
export { applyDotEnv, type Daemon, main, startDaemon } from "./main.ts";
