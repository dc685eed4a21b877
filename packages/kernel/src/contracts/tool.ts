/**
 * The tool contract. Tools are registered by extensions, described to the model by a JSON schema,
 * and executed by the turn loop. Argument validation belongs to the tool (zod, in the tool-kit
 * wrapper); the kernel never interprets the schema.
 */
import type { AbortSignalLike } from "../platform.ts";
import type { Logger } from "./logging.ts";

/** A JSON Schema object, passed to the model verbatim. */
export type JsonSchema = { readonly [key: string]: unknown };

/** What the model is told about a tool. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: JsonSchema;
}

/** Everything a tool execution may use besides its input. */
export interface ToolContext {
  toolCallId: string;
  conversationId: string;
  turnId: string;
  stepId: string;
  /** The turn's effective working directory; never enters the prompt. */
  cwd?: string;
  /** Extra directories this turn's file tools may use besides `cwd` (absolute paths; from the workspace's settings). */
  roots?: readonly string[];
  /** Aborts when the turn is stopped. */
  signal: AbortSignalLike;
  /** Streams live output to watchers as `tool-output` events. */
  onOutput(data: string, stream: "stdout" | "stderr"): void;
  logger: Logger;
}

/** A tool's answer; always a string for the model. */
export interface ToolResult {
  content: string;
  isError?: boolean;
}

/** A tool the model can call. */
export interface Tool extends ToolSpec {
  /** `false` (the default) runs the tool alone; `true` lets it overlap other safe tools of the step. */
  concurrencySafe?: boolean;
  /**
   * Runs one call. Contract: expected failures (bad arguments, missing files) resolve to a result
   * with `isError: true` that tells the model how to fix the call; a throw becomes
   * `Tool execution error: <message>`.
   */
  execute(input: unknown, context: ToolContext): Promise<ToolResult>;
}
