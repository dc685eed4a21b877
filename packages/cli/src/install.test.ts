/**
 * `bin/install` into a staging root (DESTDIR): the documented tree and modes, the staged
 * sysusers.d/tmpfiles.d files giving the data and log dirs to the service user, the unit (and its
 * drop-in) accepted by `systemd-analyze verify` with nothing on stderr, re-install keeping the
 * config, and `--uninstall` removing what it installed while keeping config and data. Also
 * `bin/setup-env` and `bin/sync-env`, which edit keys and leave ports alone.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, removeDir, tempDir } from "./test-daemon.ts";

const INSTALL = join(REPO_ROOT, "bin", "install");

function sh(command: string[], env: Record<string, string> = {}, stdin?: string) {
  const proc = Bun.spawnSync(command, {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every file and directory under `root`, as `mode path`, sorted. */
function tree(root: string): string[] {
  const glob = new Bun.Glob("**/*");
  const entries = [...glob.scanSync({ cwd: root, onlyFiles: false, dot: true })];
  return entries.map((path) => `${mode(join(root, path)).toString(8)} ${path}`).sort();
}

describe("bin/install into a staging root", () => {
  let work: string;
  let stage: string;
  let dist: string;
  let first: ReturnType<typeof sh>;

  beforeAll(() => {
    work = tempDir("dispatch-install-");
    stage = join(work, "stage");
    dist = join(work, "dist");
    mkdirSync(dist);
    for (const name of ["dispatch-server", "dispatch"]) {
      writeFileSync(join(dist, name), `#!/bin/sh\necho ${name}\n`);
      chmodSync(join(dist, name), 0o700);
    }
    first = install("--memory-max", "2G");
  });
  afterAll(() => removeDir(work));

  function install(...args: string[]) {
    return sh([INSTALL, "--no-build", "--dist", dist, ...args], { DESTDIR: stage });
  }

  it("stages the documented tree with the documented modes", () => {
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const files = tree(stage).filter((line) => /\/dispatch|dispatch\./.test(line));
    expect(files).toEqual([
      "600 etc/dispatch/env",
      "644 etc/systemd/system/dispatch.service",
      "644 etc/systemd/system/dispatch.service.d/10-memory-max.conf",
      "644 usr/lib/sysusers.d/dispatch.conf",
      "644 usr/lib/tmpfiles.d/dispatch.conf",
      "644 usr/share/doc/dispatch/README.md",
      "644 usr/share/doc/dispatch/cli.md",
      "750 var/lib/dispatch",
      "750 var/log/dispatch",
      "755 etc/dispatch",
      "755 etc/systemd/system/dispatch.service.d",
      "755 usr/bin/dispatch",
      "755 usr/bin/dispatch-server",
      "755 usr/share/doc/dispatch",
    ]);
    expect(readFileSync(join(stage, "etc/dispatch/env"), "utf8")).toBe(
      readFileSync(join(REPO_ROOT, "systemd/dispatch.env"), "utf8"),
    );
    const unit = readFileSync(join(stage, "etc/systemd/system/dispatch.service"), "utf8");
    expect(unit).toContain("ExecStart=/usr/bin/dispatch-server\n");
    expect(unit).toContain("User=dispatch\n");
    expect(
      readFileSync(join(stage, "etc/systemd/system/dispatch.service.d/10-memory-max.conf"), "utf8"),
    ).toContain("MemoryMax=2G\n");
    expect(existsSync(join(stage, "var/lib/dispatch/token"))).toBe(false);
  });

  it("ships the production ports and a hardened unit that stops cleanly", () => {
    const env = readFileSync(join(stage, "etc/dispatch/env"), "utf8");
    expect(env).toMatch(/^BACKEND_PORT=24991$/m);
    expect(env).toMatch(/^SURFACE_WS_PORT=24990$/m);
    const unit = readFileSync(join(stage, "etc/systemd/system/dispatch.service"), "utf8");
    for (const line of [
      "Restart=on-failure",
      "ProtectSystem=strict",
      "ReadWritePaths=/var/lib/dispatch /var/log/dispatch",
      "PrivateTmp=yes",
      "NoNewPrivileges=yes",
      "KillMode=mixed",
      "MemoryMax=4G",
    ]) {
      expect(unit).toContain(`\n${line}\n`);
    }
    // The stop timeout leaves the daemon's default 10 s grace period plus time to persist and exit.
    const timeout = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    expect(timeout).toBeGreaterThanOrEqual(20);
  });

  it("gives the data and log dirs to the dispatch user when the staged sysusers/tmpfiles files are applied", () => {
    expect(sh(["systemd-sysusers", `--root=${stage}`]).code).toBe(0);
    expect(sh(["systemd-tmpfiles", `--root=${stage}`, "--create"]).code).toBe(0);
    const passwd = readFileSync(join(stage, "etc/passwd"), "utf8");
    const entry = /^dispatch:x:(\d+):(\d+):[^:]*:\/var\/lib\/dispatch:/m.exec(passwd);
    expect(entry).not.toBeNull();
    for (const dir of ["var/lib/dispatch", "var/log/dispatch"]) {
      const info = statSync(join(stage, dir));
      expect([info.uid, info.gid, info.mode & 0o777]).toEqual([
        Number(entry?.[1]),
        Number(entry?.[2]),
        0o750,
      ]);
    }
  });

  it("has a unit and drop-in that systemd-analyze verify accepts without a word on stderr", () => {
    // Verify a copy whose ExecStart points at the staged binary: the check then also proves the
    // unit names a binary the install put in place and made executable.
    const verifyDir = join(work, "verify");
    mkdirSync(verifyDir, { recursive: true });
    const staged = readFileSync(join(stage, "etc/systemd/system/dispatch.service"), "utf8");
    const unit = join(verifyDir, "dispatch.service");
    writeFileSync(unit, staged.replace(/^ExecStart=\/usr\/bin\//m, `ExecStart=${stage}/usr/bin/`));
    cpSync(join(stage, "etc/systemd/system/dispatch.service.d"), join(verifyDir, "dispatch.service.d"), {
      recursive: true,
    });
    const good = sh(["systemd-analyze", "verify", "--man=no", unit]);
    expect(good).toEqual({ code: 0, stdout: "", stderr: "" });

    // The same check notices a typo (systemd only warns about it and exits 0).
    writeFileSync(join(verifyDir, "dispatch.service.d", "typo.conf"), "[Service]\nRestartt=always\n");
    expect(sh(["systemd-analyze", "verify", "--man=no", unit]).stderr).toContain("Unknown key 'Restartt'");
  });

  it("keeps an existing env file on re-install, and tightens its mode", () => {
    const envPath = join(stage, "etc/dispatch/env");
    writeFileSync(envPath, "DISPATCH_API_KEY=sk-real\n");
    chmodSync(envPath, 0o644);
    expect(install().code).toBe(0);
    expect(readFileSync(envPath, "utf8")).toBe("DISPATCH_API_KEY=sk-real\n");
    expect(mode(envPath)).toBe(0o600);
  });

  it("refuses bad options with exit 2", () => {
    expect(install("--memory-max", "lots").code).toBe(2);
    expect(install("--bogus").code).toBe(2);
  });

  it("uninstalls what it installed and keeps config, data and logs, saying how to remove them", () => {
    writeFileSync(join(stage, "var/lib/dispatch/dispatch.db"), "data");
    writeFileSync(join(stage, "var/log/dispatch/app.ndjson"), "{}\n");
    const result = sh([INSTALL, "--uninstall"], { DESTDIR: stage });
    expect(result.code).toBe(0);
    for (const gone of [
      "usr/bin/dispatch-server",
      "usr/bin/dispatch",
      "etc/systemd/system/dispatch.service",
      "etc/systemd/system/dispatch.service.d",
      "usr/lib/sysusers.d/dispatch.conf",
      "usr/lib/tmpfiles.d/dispatch.conf",
      "usr/share/doc/dispatch",
    ]) {
      expect(existsSync(join(stage, gone))).toBe(false);
    }
    expect(readFileSync(join(stage, "etc/dispatch/env"), "utf8")).toBe("DISPATCH_API_KEY=sk-real\n");
    expect(readFileSync(join(stage, "var/lib/dispatch/dispatch.db"), "utf8")).toBe("data");
    expect(existsSync(join(stage, "var/log/dispatch/app.ndjson"))).toBe(true);
    expect(result.stdout).toContain(
      `sudo rm -rf ${stage}/etc/dispatch ${stage}/var/lib/dispatch ${stage}/var/log/dispatch`,
    );
  });
});

describe("bin/setup-env and bin/sync-env", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir("dispatch-env-");
  });
  afterAll(() => removeDir(dir));

  it("setup-env writes the answers into a new 0600 file from the template, leaving the ports", () => {
    const file = join(dir, "env");
    const answers = "http://127.0.0.1:11434/v1\nsk-very-secret\nqwen3\n\n";
    const result = sh([join(REPO_ROOT, "bin", "setup-env"), "--file", file], {}, answers);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain("sk-very-secret");
    const text = readFileSync(file, "utf8");
    expect(mode(file)).toBe(0o600);
    expect(text).toMatch(/^DISPATCH_BASE_URL=http:\/\/127\.0\.0\.1:11434\/v1$/m);
    expect(text).toMatch(/^DISPATCH_API_KEY=sk-very-secret$/m);
    expect(text).toMatch(/^DISPATCH_MODEL=qwen3$/m);
    expect(text).toMatch(/^BACKEND_PORT=24991$/m);
    expect(text).toMatch(/^# UMANS_API_KEY=/m);
  });

  it("sync-env updates only the keys, from a .env and the environment, and never prints values", () => {
    const file = join(dir, "env");
    const dev = join(dir, "dev.env");
    writeFileSync(dev, "DISPATCH_API_KEY='sk-from-dev'\nBACKEND_PORT=24203\nDISPATCH_DB=/elsewhere\n");
    const result = sh([join(REPO_ROOT, "bin", "sync-env"), "--from", dev, "--file", file], {
      UMANS_API_KEY: "sk-umans-env",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Updated in");
    expect(result.stdout).toContain("DISPATCH_API_KEY UMANS_API_KEY");
    expect(result.stdout + result.stderr).not.toMatch(/sk-from-dev|sk-umans-env/);
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(/^DISPATCH_API_KEY=sk-from-dev$/m);
    expect(text).toMatch(/^UMANS_API_KEY=sk-umans-env$/m);
    expect(text).toMatch(/^BACKEND_PORT=24991$/m);
    expect(text).not.toContain("DISPATCH_DB");
    expect(mode(file)).toBe(0o600);

    const empty = join(dir, "empty.env");
    writeFileSync(empty, "# nothing\n");
    expect(sh([join(REPO_ROOT, "bin", "sync-env"), "--from", empty, "--file", file]).code).toBe(1);
  });
});
