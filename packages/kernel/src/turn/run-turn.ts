import type { RunTurnInput, RunTurnResult } from "./types.ts";

/** PLACEHOLDER: being implemented. */
export async function runTurn(_input: RunTurnInput): Promise<RunTurnResult> {
  throw new Error("runTurn: not implemented yet");
}
