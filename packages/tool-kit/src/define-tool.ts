/**
 * `defineTool`: the one wrapper every Dispatch tool goes through. It derives the JSON schema from a
 * zod object, validates the model's arguments once, and turns expected failures (`ToolFailure`, bad
 * arguments, OS errors) into error results the model can act on. Tools only see parsed arguments.
 */
import type { JsonSchema, Tool, ToolContext, ToolResult } from "@dispatch/kernel";
import { z } from "zod";
import { errnoCode, ToolFailure } from "./errors.ts";

/** What a tool author writes. */
export interface ToolDefinition<Schema extends z.ZodObject> {
  name: string;
  description: string;
  /** The arguments; `.describe()` on each field becomes the schema description the model reads. */
  input: Schema;
  /** `true` lets the turn loop overlap this tool with other safe tools of the step. */
  concurrencySafe?: boolean;
  /**
   * Runs one validated call. Contract: return the result text (or a full result); throw a
   * `ToolFailure` for expected failures, whose message becomes an error result; any other throw is
   * a bug and propagates to the turn loop (which reports `Tool execution error: …`), except Node
   * system errors (`ENOENT`, `EACCES`, …), which become error results too.
   */
  execute(args: z.output<Schema>, context: ToolContext): Promise<string | ToolResult>;
}

/**
 * Builds a kernel `Tool` whose arguments are validated by `input` before `execute` runs. The JSON
 * schema is derived when first read, not when the tool is registered at start (the daemon reads it
 * in the background once it listens, so the first turn usually finds it ready).
 */
export function defineTool<Schema extends z.ZodObject>(definition: ToolDefinition<Schema>): Tool {
  let inputSchema: JsonSchema | undefined;
  const { name } = definition;
  return {
    name,
    description: definition.description,
    get inputSchema() {
      inputSchema ??= toJsonSchema(definition.input);
      return inputSchema;
    },
    concurrencySafe: definition.concurrencySafe ?? false,
    async execute(input: unknown, context: ToolContext): Promise<ToolResult> {
      const parsed = parseArguments(definition.input, name, input);
      if (!parsed.ok) return { content: parsed.message, isError: true };
      try {
        const result = await definition.execute(parsed.value, context);
        return typeof result === "string" ? { content: result } : result;
      } catch (err) {
        if (err instanceof ToolFailure) return { content: err.message, isError: true };
        const code = errnoCode(err);
        if (code !== undefined && err instanceof Error) {
          return { content: `${name} failed: ${err.message}`, isError: true };
        }
        throw err;
      }
    },
  };
}

/** The JSON schema the model sees for a zod object (input side, no `$schema` key). */
export function toJsonSchema(schema: z.ZodObject): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  return rest;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Validates raw tool input. A string input (the model sent a JSON text, or invalid JSON) is parsed
 * first. The failure message names each bad field and what it expects.
 */
export function parseArguments<Schema extends z.ZodObject>(
  schema: Schema,
  toolName: string,
  input: unknown,
): Parsed<z.output<Schema>> {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch {
      return {
        ok: false,
        message: `Invalid arguments for ${toolName}: they are not valid JSON. Send the arguments as one JSON object matching the tool's schema.`,
      };
    }
  }
  if (value === undefined || value === null) value = {};
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const lines = result.error.issues.map((issue) => `- ${describeIssue(issue, value)}`);
  return {
    ok: false,
    message: `Invalid arguments for ${toolName}:\n${lines.join("\n")}\nFix these arguments and call ${toolName} again.`,
  };
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const where = issue.path.length === 0 ? "arguments" : `\`${formatPath(issue.path)}\``;
  if (issue.code === "invalid_type" && valueAt(root, issue.path) === undefined) {
    return `${where} is required (expected ${issue.expected}).`;
  }
  if (issue.code === "unrecognized_keys") {
    return `unknown argument(s) ${issue.keys.map((key) => `\`${key}\``).join(", ")}; remove them.`;
  }
  return `${where}: ${issue.message.replace(/^Invalid input: /, "")}.`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
