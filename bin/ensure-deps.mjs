#!/usr/bin/env node
// Installs the workspace's dependencies with the pinned Bun when bun.lock changed since the last
// install (or nothing is installed yet). Runs before `npm start` and `npm test`, so a fresh clone
// needs only Node and npm.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BUN_VERSION = "1.4.5";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stamp = join(root, "node_modules", ".dispatch-install-stamp");
const lock = readFileSync(join(root, "bun.lock"));
const digest = createHash("sha256").update(lock).digest("hex");

const installed = existsSync(join(root, "node_modules", ".bin", "bun"));
if (installed && existsSync(stamp) && readFileSync(stamp, "utf8") === digest) process.exit(0);

console.error(`dispatch: installing dependencies with bun ${BUN_VERSION} (first run or bun.lock changed)…`);
try {
  execFileSync("npx", ["--yes", `bun@${BUN_VERSION}`, "install", "--frozen-lockfile"], {
    cwd: root,
    stdio: "inherit",
  });
} catch {
  console.error(
    "dispatch: dependency install failed. Check that the npm registry is reachable, then run " +
      `\`npx --yes bun@${BUN_VERSION} install --frozen-lockfile\` in ${root} to see the full error.`,
  );
  process.exit(1);
}
writeFileSync(stamp, digest);
