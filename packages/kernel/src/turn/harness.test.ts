/**
 * Shared fixtures for the runTurn tests (this file holds no tests): a scripted provider (the one
 * faked edge: it yields real `ProviderEvent`s), deferred promises to observe overlap without timing,
 * a manual clock, and an input builder that records events, persisted batches and sleeps.
 */
import type { AgentEvent, ChatMessage } from "@dispatch/wire";
import type { Provider, ProviderEvent, ProviderRequest } from "../contracts/provider.ts";
import type { Tool, ToolContext, ToolResult } from "../contracts/tool.ts";
import { nullLogger } from "../logging/logger.ts";
import type { RunTurnInput } from "./types.ts";

/** A promise with its resolvers exposed. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** A fresh deferred. */
export function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  let reject: (reason: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One model call: a fixed event list, a generator (to block or advance the clock), or a throw. */
export type Script =
  | ProviderEvent[]
  | ((request: ProviderRequest) => AsyncIterable<ProviderEvent>)
  | { throws: Error };

/** A provider that answers its n-th call with the n-th script and records every request. */
export interface ScriptedProvider extends Provider {
  /** Each request with a copy of the messages it was sent. */
  readonly requests: Array<ProviderRequest & { sent: ChatMessage[] }>;
}

/** A scripted provider over `scripts`. */
export function scriptedProvider(scripts: Script[]): ScriptedProvider {
  const requests: Array<ProviderRequest & { sent: ChatMessage[] }> = [];
  return {
    id: "scripted",
    requests,
    stream(request) {
      requests.push({ ...request, sent: structuredClone([...request.messages]) });
      const script = scripts[requests.length - 1];
      if (script === undefined) throw new Error(`no script for call ${requests.length}`);
      if (Array.isArray(script)) return fromArray(script);
      if (typeof script === "function") return script(request);
      throw script.throws;
    },
  };
}

async function* fromArray(events: ProviderEvent[]): AsyncIterable<ProviderEvent> {
  for (const event of events) yield event;
}

/** A clock that moves only when told. */
export interface ManualClock {
  now(): number;
  advance(ms: number): void;
}

/** A manual clock starting at 1000. */
export function manualClock(): ManualClock {
  let time = 1000;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

/** A tool built from an execute function. */
export function tool(
  name: string,
  execute: (input: unknown, context: ToolContext) => Promise<ToolResult>,
  concurrencySafe = false,
): Tool {
  return { name, description: `the ${name} tool`, inputSchema: { type: "object" }, concurrencySafe, execute };
}

/** A user message with one text chunk. */
export function userText(text: string): ChatMessage {
  return { role: "user", chunks: [{ type: "text", text }] };
}

/** What a harnessed turn recorded. */
export interface Recording {
  events: AgentEvent[];
  /** Each `persist` call's messages (copied). */
  persisted: ChatMessage[][];
  sleeps: number[];
  controller: AbortController;
  clock: ManualClock;
}

/** A `RunTurnInput` for `provider` that records into the returned `Recording`. */
export function harness(
  provider: Provider,
  overrides: Partial<RunTurnInput> = {},
): { input: RunTurnInput; recording: Recording } {
  const recording: Recording = {
    events: [],
    persisted: [],
    sleeps: [],
    controller: new AbortController(),
    clock: manualClock(),
  };
  const input: RunTurnInput = {
    conversationId: "conv-1",
    turnId: "turn-1",
    provider,
    model: "test-model",
    messages: [userText("hi")],
    tools: [],
    signal: recording.controller.signal,
    emit: (event) => recording.events.push(event),
    logger: nullLogger,
    now: recording.clock.now,
    sleep: async (ms) => {
      recording.sleeps.push(ms);
    },
    persist: async (messages) => {
      recording.persisted.push(structuredClone(messages));
    },
    ...overrides,
  };
  return { input, recording };
}

/** The `type` of each event, in order. */
export function types(events: readonly AgentEvent[]): string[] {
  return events.map((event) => event.type);
}

/** Lets every pending promise callback and timer of this tick run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
