/**
 * The readable timeline of one turn (`trace show`): spans rebuilt into a tree from their open and
 * close records, each line with its start offset, duration, status, token counts and body pointer;
 * log lines sit under their span. A span with no close record (a crashed turn) shows as "open".
 */
import type { Attributes, AttributeValue } from "@dispatch/kernel";
import type { TraceRecord } from "./store.ts";
import { type TokenCounts, tokenCounts, turnTokens } from "./usage.ts";

/** A span rebuilt from its records. */
export interface SpanNode {
  spanId: string;
  name: string;
  parentSpanId: string | undefined;
  start: number;
  open: TraceRecord | undefined;
  close: TraceRecord | undefined;
  children: TimelineEntry[];
}

/** A child of a span (or of the turn's root): another span or a log line. */
export type TimelineEntry =
  | { type: "span"; node: SpanNode; order: number }
  | { type: "log"; trace: TraceRecord; order: number };

/** The turn's spans as a forest, children sorted by time then journal order. */
export function buildSpanTree(records: readonly TraceRecord[]): {
  roots: TimelineEntry[];
  spans: Map<string, SpanNode>;
} {
  const spans = new Map<string, SpanNode>();
  const order = new Map<string, number>();
  records.forEach((trace, index) => {
    const { record } = trace;
    if (record.kind === "log") return;
    let node = spans.get(record.spanId);
    if (!node) {
      node = {
        spanId: record.spanId,
        name: record.name,
        parentSpanId: record.parentSpanId,
        start: record.timestamp,
        open: undefined,
        close: undefined,
        children: [],
      };
      spans.set(record.spanId, node);
      order.set(record.spanId, index);
    }
    if (record.kind === "span-open") {
      node.open = trace;
      node.start = record.timestamp;
      node.parentSpanId = record.parentSpanId ?? node.parentSpanId;
    } else {
      node.close = trace;
      if (!node.open) node.start = record.timestamp - record.durationMs;
    }
  });
  const roots: TimelineEntry[] = [];
  const childrenOf = (parent: string | undefined) =>
    (parent ? spans.get(parent)?.children : undefined) ?? roots;
  for (const node of spans.values())
    childrenOf(node.parentSpanId).push({ type: "span", node, order: order.get(node.spanId) ?? 0 });
  records.forEach((trace, index) => {
    if (trace.record.kind === "log")
      childrenOf(trace.record.spanId).push({ type: "log", trace, order: index });
  });
  const start = (entry: TimelineEntry) =>
    entry.type === "span" ? entry.node.start : entry.trace.record.timestamp;
  const sort = (list: TimelineEntry[]) => list.sort((a, b) => start(a) - start(b) || a.order - b.order);
  sort(roots);
  for (const node of spans.values()) sort(node.children);
  return { roots, spans };
}

/** Formats milliseconds as `850ms`, `3.42s` or `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}

/** `in 1200 (cached 800) out 85`. */
export function formatTokens(tokens: TokenCounts): string {
  const cached = tokens.cacheReadTokens > 0 ? ` (cached ${tokens.cacheReadTokens})` : "";
  return `in ${tokens.inputTokens}${cached} out ${tokens.outputTokens}`;
}

function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** A short, still unique-enough form of a record id or hash. */
export function shortId(id: string): string {
  return id.slice(0, 12);
}

function pick(attributes: Attributes, names: readonly string[]): AttributeValue | undefined {
  for (const name of names) if (attributes[name] !== undefined) return attributes[name];
  return undefined;
}

function spanDetails(node: SpanNode, stepIndex: number | undefined): string {
  const attributes: Attributes = { ...node.open?.record.attributes, ...node.close?.record.attributes };
  const parts: string[] = [];
  const tool = pick(attributes, ["toolName", "tool.name", "tool", "toolCallName"]);
  if (node.name === "step")
    parts.push(String(pick(attributes, ["stepIndex", "step.index", "step"]) ?? stepIndex ?? ""));
  if (tool !== undefined) parts.push(String(tool));
  const model = pick(attributes, ["model", "request.model"]);
  if (model !== undefined) parts.push(`model=${model}`);
  const http = pick(attributes, ["http.status", "status", "response.status"]);
  if (typeof http === "number") parts.push(`http=${http}`);
  const finish = pick(attributes, ["finishReason", "finish_reason"]);
  if (finish !== undefined) parts.push(`finish=${finish}`);
  const tokens = node.name === "turn" ? undefined : tokenCounts(attributes);
  if (tokens) parts.push(formatTokens(tokens));
  if (attributes.isError === true) parts.push("ERROR result");
  if (attributes.abandoned === true) parts.push("abandoned");
  if (node.close?.record.kind === "span-close" && node.close.record.status === "error") {
    parts.push(`ERROR ${pick(attributes, ["error.message", "error"]) ?? ""}`.trimEnd());
  }
  for (const trace of [node.open, node.close]) {
    if (trace?.bodyHash)
      parts.push(
        `body ${trace.bodySize === null ? "evicted" : formatBytes(trace.bodySize)} #${shortId(trace.id)}`,
      );
  }
  return parts.filter((part) => part !== "").join("  ");
}

/** The whole timeline of a turn's records as text (one line per span or log). */
export function formatTimeline(turnId: string, records: readonly TraceRecord[]): string {
  if (records.length === 0) return `turn ${turnId}: no records\n`;
  const { roots, spans } = buildSpanTree(records);
  const t0 = Math.min(...records.map((trace) => trace.record.timestamp));
  const turn = [...spans.values()].find((node) => node.name === "turn");
  const closes = [...spans.values()].flatMap((node) =>
    node.close ? [{ name: node.name, attributes: node.close.record.attributes }] : [],
  );
  const tokens = turnTokens(closes);
  const turnClose = turn?.close?.record;
  const header = [
    `turn ${turnId}`,
    `conversation ${records[0]?.record.conversationId ?? "-"}`,
    `started ${new Date(t0).toISOString()}`,
    turnClose?.kind === "span-close" ? `${formatDuration(turnClose.durationMs)} ${turnClose.status}` : "open",
    `${[...spans.values()].filter((node) => node.name === "step").length} steps`,
    tokens ? `tokens ${formatTokens(tokens)}` : "",
  ];
  const out = [
    header.filter((part) => part !== "").join("  "),
    `${"offset".padStart(9)}  ${"duration".padStart(8)}  span`,
  ];
  const walk = (entries: readonly TimelineEntry[], depth: number) => {
    let step = 0;
    for (const entry of entries) {
      const indent = "  ".repeat(depth);
      if (entry.type === "log") {
        const { record } = entry.trace;
        const level = record.kind === "log" ? record.level : "";
        const message = record.kind === "log" ? record.msg : "";
        const error = record.attributes?.["error.message"];
        const body = entry.trace.bodyHash ? `  body #${shortId(entry.trace.id)}` : "";
        out.push(
          `${offset(record.timestamp - t0)}  ${level.padStart(8)}  ${indent}${message}${error ? `  (${error})` : ""}${body}`,
        );
        continue;
      }
      const { node } = entry;
      const close = node.close?.record;
      const duration = close?.kind === "span-close" ? formatDuration(close.durationMs) : "open";
      const details = spanDetails(node, node.name === "step" ? step++ : undefined);
      out.push(
        `${offset(node.start - t0)}  ${duration.padStart(8)}  ${indent}${node.name}${details ? `  ${details}` : ""}`,
      );
      walk(node.children, depth + 1);
    }
  };
  walk(roots, 0);
  return `${out.join("\n")}\n`;
}

function offset(ms: number): string {
  return `+${formatDuration(Math.max(0, ms))}`.padStart(9);
}
