/**
 * Command-line parsing: every command of the reference's usage text, the global flags anywhere on
 * the line, and usage errors that name the mistake (with a "did you mean") and exit 2.
 */
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "./args.ts";
import { CliError } from "./errors.ts";

function usageErrorOf(argv: string[]): CliError {
  try {
    parseCommandLine(argv);
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

describe("parseCommandLine", () => {
  it("parses a one-shot turn with every flag", () => {
    const { command, global } = parseCommandLine([
      "opencode/deepseek-v4-flash",
      "--text",
      "hi",
      "--file",
      "a.txt",
      "--file",
      "b.txt",
      "--cwd",
      "src",
      "--conversation",
      "c1",
      "--effort",
      "low",
      "--workspace",
      "ws",
      "--show-reasoning",
      "--open",
      "--json",
      "--server",
      "http://127.0.0.1:1",
    ]);
    expect(command).toEqual({
      kind: "turn",
      model: "opencode/deepseek-v4-flash",
      text: "hi",
      files: ["a.txt", "b.txt"],
      cwd: "src",
      conversation: "c1",
      effort: "low",
      workspace: "ws",
      showReasoning: true,
      open: true,
    });
    expect(global).toEqual({ server: "http://127.0.0.1:1", json: true, noColor: false });
  });

  it("finds the command after global flags that take values", () => {
    expect(parseCommandLine(["--server", "http://x:1", "list", "ab"]).command).toEqual({
      kind: "list",
      prefix: "ab",
      status: ["active", "queued", "idle"],
    });
  });

  it("lists with --status, --all, or the default statuses", () => {
    expect(parseCommandLine(["list", "--all"]).command).toEqual({ kind: "list" });
    expect(parseCommandLine(["list", "--status", "closed"]).command).toEqual({
      kind: "list",
      status: ["closed"],
    });
    expect(usageErrorOf(["list", "--status", "done"]).message).toContain("--status must be one of");
    expect(usageErrorOf(["list", "--all", "--status", "idle"]).message).toContain("either --status or --all");
  });

  it("parses send with its flags; --text - and a missing --text mean stdin", () => {
    expect(
      parseCommandLine(["send", "abc", "--text", "go", "--queue", "--open", "--effort", "max"]).command,
    ).toEqual({
      kind: "send",
      id: "abc",
      text: "go",
      queue: true,
      open: true,
      effort: "max",
    });
    expect(parseCommandLine(["send", "abc", "--text", "-"]).command).not.toHaveProperty("text");
    expect(parseCommandLine(["send", "abc"]).command).not.toHaveProperty("text");
  });

  it("parses the single-id commands and the new ones", () => {
    for (const kind of ["stop", "compact", "read", "open"] as const) {
      expect(parseCommandLine([kind, "c1"]).command).toEqual({ kind, id: "c1" });
    }
    expect(parseCommandLine(["attach", "c1", "--show-reasoning"]).command).toEqual({
      kind: "attach",
      id: "c1",
      showReasoning: true,
    });
    expect(parseCommandLine(["status"]).command).toEqual({ kind: "status" });
    expect(parseCommandLine(["doctor", "--json"])).toEqual({
      command: { kind: "doctor" },
      global: { json: true, noColor: false },
    });
  });

  it("answers --help with the full usage or one command's help", () => {
    expect(parseCommandLine(["--help"]).command).toEqual({ kind: "usage" });
    expect(parseCommandLine(["-h"]).command).toEqual({ kind: "usage" });
    expect(parseCommandLine(["help"]).command).toEqual({ kind: "usage" });
    expect(parseCommandLine(["send", "--help"]).command).toEqual({ kind: "help", topic: "send" });
    expect(parseCommandLine(["help", "attach"]).command).toEqual({ kind: "help", topic: "attach" });
    expect(parseCommandLine(["opencode/x", "--help"]).command).toEqual({ kind: "help", topic: "turn" });
  });

  it("refuses mistakes with exit 2, naming them and suggesting the fix", () => {
    const unknown = usageErrorOf(["lsit"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.message).toContain('Did you mean "list"?');
    expect(unknown.message).toContain("<credential>/<model>");

    const flag = usageErrorOf(["send", "c1", "--txt", "hi"]);
    expect(flag.message).toBe("unknown option --txt for 'dispatch send'. Did you mean --text?");
    expect(flag.details[0]).toMatch(/^Usage: dispatch send <conversationId>/);

    expect(usageErrorOf(["stop"]).message).toBe("missing <conversationId>.");
    expect(usageErrorOf(["opencode/x", "hello", "world"]).message).toContain(
      'Quote the message and pass it with --text "..."',
    );
    expect(usageErrorOf(["opencode/x", "--text"]).message).toBe("--text needs a value.");
    expect(usageErrorOf(["send", "c1", "--text", "--queue"]).message).toBe("--text needs a value.");
    expect(usageErrorOf(["list", "--all=yes"]).message).toBe("--all is a switch and takes no value.");
    expect(usageErrorOf(["opencode/x", "--text", "hi", "--effort", "huge"]).message).toContain(
      "--effort must be one of low, medium, high, xhigh, max",
    );
    expect(usageErrorOf(["opencode/", "--text", "hi"]).message).toContain("is not a model name");
    expect(usageErrorOf(["send", "c1", "--cwd", " "]).message).toBe("--cwd needs a non-empty value.");
    expect(usageErrorOf([]).message).toBe("no command given.");
  });
});
