/**
 * Profiles the daemon under one benchmark workload: `bun bench/profile.ts [--workload turns|
 * tools|concurrent|history|startup] [--tokens N] [--turns N] [--out DIR]`. Runs `bun --cpu-prof` on the
 * daemon's source entry (the compiled binary has no profiler flags), drives the workload against
 * the scripted model process, stops the daemon with SIGTERM and leaves the `.cpuprofile` and its
 * Markdown summary in DIR (open the former in Chrome DevTools or speedscope).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { textReply, toolCallReply } from "@dispatch/testkit";
import { chatTurn, numberedText } from "./client.ts";
import { startModelProcess } from "./model-process.ts";
import { summarizeProfile } from "./profile-summary.ts";
import { ROOT, startDispatch } from "./targets.ts";

const { values } = parseArgs({
  options: {
    workload: { type: "string", default: "turns" },
    tokens: { type: "string", default: "200" },
    turns: { type: "string", default: "50" },
    out: { type: "string", default: "bench-profile" },
  },
});
const out = resolve(values.out ?? "bench-profile");
mkdirSync(out, { recursive: true });
const tokens = numberedText(Number(values.tokens));
const turns = Number(values.turns);
const scratch = mkdtempSync(join(tmpdir(), "dispatch-profile-"));
const model = await startModelProcess();
await model.setFallback(textReply(tokens));
const main = join(ROOT, "packages", "host-bin", "src", "main.ts");
const command = {
  argv: [
    process.execPath,
    "--cpu-prof",
    "--cpu-prof-md",
    `--cpu-prof-dir=${out}`,
    "--cpu-prof-interval=250",
    main,
  ],
  label: "bun --cpu-prof main.ts",
};
try {
  const daemon = await startDispatch({
    command,
    modelBaseURL: model.baseURL,
    dir: join(scratch, "dispatch"),
  });
  process.stderr.write(`[profile] started in ${daemon.startMs.toFixed(0)} ms\n`);
  if (values.workload === "turns") {
    for (let i = 0; i < turns; i++) await chatTurn(daemon, "Please answer.");
  } else if (values.workload === "tools") {
    const file = join(scratch, "dispatch", "notes.txt"); // in the daemon's cwd: read_file stays inside
    writeFileSync(file, "The quick brown fox jumps over the lazy dog.\n".repeat(40));
    for (let i = 0; i < turns; i++) {
      await model.enqueue(toolCallReply("read_file", { path: file }), textReply(tokens));
      await chatTurn(daemon, "Please read the notes.");
    }
  } else if (values.workload === "concurrent") {
    await Promise.all(Array.from({ length: turns }, () => chatTurn(daemon, "Please answer.")));
  } else if (values.workload === "history") {
    await model.setFallback(textReply(numberedText(40)));
    const first = await chatTurn(daemon, "Turn 0");
    for (let i = 1; i < turns; i++) await chatTurn(daemon, `Turn ${i}`, first.conversationId);
  }
  await daemon.stop();
  const profiles = readdirSync(out).filter((f) => f.endsWith(".cpuprofile"));
  const newest = profiles.sort().at(-1);
  if (newest) process.stdout.write(summarizeProfile(readFileSync(join(out, newest), "utf8")));
  process.stderr.write(`[profile] ${profiles.length} profile(s) in ${out}\n`);
} finally {
  await model.stop();
  rmSync(scratch, { recursive: true, force: true });
}
