/**
 * `defineTool`: schema derivation, one-time validation with model-readable messages, and the
 * conversion of expected failures into error results.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool } from "./define-tool.ts";
import { ToolFailure } from "./errors.ts";
import { createTestToolContext } from "./testing.ts";

const echo = defineTool({
  name: "echo",
  description: "Echoes",
  input: z.object({
    text: z.string().min(1).describe("What to echo"),
    times: z.number().int().min(1).max(3).default(1),
    mode: z.enum(["plain", "loud"]).optional(),
  }),
  async execute(args) {
    if (args.text === "fail") throw new ToolFailure("NOPE", "Refused: say something else.");
    if (args.text === "enoent")
      throw Object.assign(new Error("ENOENT: no such file, open 'x'"), { code: "ENOENT" });
    if (args.text === "bug") throw new TypeError("a bug");
    const text = args.mode === "loud" ? args.text.toUpperCase() : args.text;
    return text.repeat(args.times);
  },
});

describe("defineTool", () => {
  it("derives an input JSON schema without $schema, defaults optional", () => {
    expect(echo.inputSchema).toMatchObject({
      type: "object",
      properties: { text: { type: "string", description: "What to echo" }, times: { default: 1 } },
      required: ["text"],
    });
    expect("$schema" in echo.inputSchema).toBe(false);
    expect(echo.concurrencySafe).toBe(false);
  });

  it("derives the schema once, on first read, and keeps it through a spread copy", () => {
    const tool = defineTool({
      name: "t",
      description: "d",
      input: z.object({ n: z.number() }),
      execute: async () => "",
    });
    const first = tool.inputSchema;
    expect(tool.inputSchema).toBe(first);
    expect({ ...tool }.inputSchema).toBe(first);
  });

  it("runs with parsed arguments and applies defaults", async () => {
    const result = await echo.execute({ text: "ab", mode: "loud" }, createTestToolContext());
    expect(result).toEqual({ content: "AB" });
    expect(await echo.execute({ text: "x", times: 3 }, createTestToolContext())).toEqual({ content: "xxx" });
  });

  it("accepts arguments sent as a JSON string", async () => {
    expect(await echo.execute('{"text":"hi"}', createTestToolContext())).toEqual({ content: "hi" });
  });

  it("names each bad field and what it expects", async () => {
    const result = await echo.execute({ times: 9, mode: "quiet" }, createTestToolContext());
    expect(result.isError).toBe(true);
    expect(result.content).toContain("Invalid arguments for echo:");
    expect(result.content).toContain("`text` is required (expected string)");
    expect(result.content).toContain("`times`: Too big: expected number to be <=3");
    expect(result.content).toContain('`mode`: Invalid option: expected one of "plain"|"loud"');
    expect(result.content).toContain("Fix these arguments and call echo again.");
  });

  it("reports arguments that are not JSON", async () => {
    const result = await echo.execute("{text: hi", createTestToolContext());
    expect(result).toMatchObject({ isError: true });
    expect(result.content).toContain("not valid JSON");
  });

  it("turns a ToolFailure and a system error into error results, rethrows bugs", async () => {
    expect(await echo.execute({ text: "fail" }, createTestToolContext())).toEqual({
      content: "Refused: say something else.",
      isError: true,
    });
    const enoent = await echo.execute({ text: "enoent" }, createTestToolContext());
    expect(enoent).toMatchObject({ isError: true });
    expect(enoent.content).toContain("echo failed: ENOENT");
    await expect(echo.execute({ text: "bug" }, createTestToolContext())).rejects.toThrow("a bug");
  });
});
