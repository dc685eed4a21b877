/**
 * The benchmark's client: one turn over `POST /chat`, reading the NDJSON stream line by line and
 * stamping when the first `text-delta` and the `turn-sealed` (or the stream's end) arrived, on
 * the same clock as the scripted model's stamps.
 */
import { preciseNow } from "@dispatch/testkit";
import type { AgentEvent } from "@dispatch/transport-contract";
import type { Target } from "./targets.ts";

/** What the client saw of one turn. */
export interface TurnObservation {
  conversationId: string;
  sentAt: number;
  firstDeltaAt: number;
  /** When `turn-sealed` arrived (the stream's end if it never did). */
  sealedAt: number;
  events: number;
  /** The concatenated text deltas. */
  text: string;
  /** The `error` events' messages, and tool results that are errors (`toolName: content`). */
  errors: string[];
}

/** Runs one turn and reads its stream to the end. */
export async function chatTurn(
  target: Target,
  message: string,
  conversationId?: string,
): Promise<TurnObservation> {
  const sentAt = preciseNow();
  const res = await fetch(`${target.url}/chat`, {
    method: "POST",
    headers: target.headers,
    body: JSON.stringify({ message, ...(conversationId ? { conversationId } : {}) }),
  });
  if (!res.ok || !res.body) throw new Error(`POST /chat answered ${res.status}: ${await res.text()}`);
  const observation: TurnObservation = {
    conversationId: res.headers.get("x-conversation-id") ?? conversationId ?? "",
    sentAt,
    firstDeltaAt: Number.NaN,
    sealedAt: Number.NaN,
    events: 0,
    text: "",
    errors: [],
  };
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const bytes of res.body) {
    buffer += decoder.decode(bytes, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line !== "") observe(observation, JSON.parse(line) as AgentEvent);
      newline = buffer.indexOf("\n");
    }
  }
  if (Number.isNaN(observation.sealedAt)) observation.sealedAt = preciseNow();
  return observation;
}

function observe(observation: TurnObservation, event: AgentEvent): void {
  observation.events += 1;
  if (event.type === "text-delta") {
    if (Number.isNaN(observation.firstDeltaAt)) observation.firstDeltaAt = preciseNow();
    observation.text += event.delta;
  } else if (event.type === "turn-sealed") {
    observation.sealedAt = preciseNow();
  } else if (event.type === "error") {
    observation.errors.push(event.message);
  } else if (event.type === "tool-result" && event.isError) {
    observation.errors.push(`${event.toolName}: ${event.content}`);
  }
}

/** The scripted reply text of `n` numbered tokens ("t0 t1 … "), so order and loss are checkable. */
export function numberedText(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `t${i} `);
}
