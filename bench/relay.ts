/**
 * The bare relay the daemon is measured against: the floor for forwarding a model's stream. POST
 * /chat forwards the scripted model's SSE stream as NDJSON (fetch and a tiny SSE parse), runs the
 * one `read_file` tool, and keeps history in memory; GET /health; a WebSocket at /ws where
 * `chat.subscribe` joins a conversation's live events. No persistence, no extensions, no checks.
 * Run: `RELAY_PORT=… MODEL_BASE_URL=http://127.0.0.1:…/v1 bun bench/relay.ts`.
 */
type Message = Record<string, unknown>;
type RelayEvent = Record<string, unknown> & { type: string };
type Call = { id: string; name: string; arguments: string };

const baseURL = process.env.MODEL_BASE_URL ?? "http://127.0.0.1:1/v1";
const model = process.env.MODEL ?? "scripted-model";
const history = new Map<string, Message[]>();
const tools = [
  {
    type: "function",
    function: {
      name: "read_file",
      description: "Reads a file.",
      parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
    },
  },
];

async function* sse(body: ReadableStream<Uint8Array>): AsyncGenerator<Message> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const data = buffer.slice(6, end);
      buffer = buffer.slice(end + 2);
      if (data === "[DONE]") return;
      yield JSON.parse(data) as Message;
      end = buffer.indexOf("\n\n");
    }
  }
}

async function readFile(args: string): Promise<{ content: string; isError: boolean }> {
  try {
    return { content: await Bun.file((JSON.parse(args) as { path: string }).path).text(), isError: false };
  } catch (err) {
    return { content: `error: ${(err as Error).message}`, isError: true };
  }
}

async function turn(messages: Message[], emit: (event: RelayEvent) => void): Promise<void> {
  for (let step = 0; step < 8; step++) {
    const res = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, stream: true, messages, tools }),
    });
    let text = "";
    const calls: Call[] = [];
    for await (const chunk of sse(res.body ?? new ReadableStream())) {
      const delta = (chunk.choices as { delta?: Message }[] | undefined)?.[0]?.delta;
      if (typeof delta?.content === "string" && delta.content !== "") {
        text += delta.content;
        emit({ type: "text-delta", delta: delta.content });
      }
      for (const part of (delta?.tool_calls ?? []) as { index: number; id?: string; function?: Call }[]) {
        calls[part.index] ??= { id: "", name: "", arguments: "" };
        const call = calls[part.index] as Call;
        call.id ||= part.id ?? "";
        call.name ||= part.function?.name ?? "";
        call.arguments += part.function?.arguments ?? "";
      }
    }
    if (calls.length === 0) {
      messages.push({ role: "assistant", content: text });
      return;
    }
    const toolCalls = calls.map((c) => ({ id: c.id, type: "function", function: c }));
    messages.push({ role: "assistant", content: text, tool_calls: toolCalls });
    for (const call of calls) {
      emit({ type: "tool-call", toolCallId: call.id, toolName: call.name, input: call.arguments });
      const { content, isError } = await readFile(call.arguments);
      emit({ type: "tool-result", toolCallId: call.id, toolName: call.name, content, isError });
      messages.push({ role: "tool", tool_call_id: call.id, content });
    }
  }
}

const encoder = new TextEncoder();
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.RELAY_PORT ?? 0),
  idleTimeout: 0,
  async fetch(req, srv) {
    const { pathname } = new URL(req.url);
    if (pathname === "/health") return Response.json({ ok: true });
    if (pathname === "/ws" && srv.upgrade(req, { data: undefined })) return undefined;
    if (pathname !== "/chat" || req.method !== "POST") return new Response("not found", { status: 404 });
    const body = (await req.json()) as { conversationId?: string; message: string };
    const conversationId = body.conversationId ?? crypto.randomUUID();
    const turnId = `turn-${Date.now()}`;
    const messages = history.get(conversationId) ?? [];
    history.set(conversationId, messages);
    messages.push({ role: "user", content: body.message });
    let index = 0;
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const emit = (event: RelayEvent) => {
          const full = { ...event, conversationId, turnId };
          controller.enqueue(encoder.encode(`${JSON.stringify(full)}\n`));
          const frame = { type: "chat.delta", event: full, index: index++ };
          if (srv.subscriberCount(conversationId) > 0) srv.publish(conversationId, JSON.stringify(frame));
        };
        await turn(messages, emit);
        emit({ type: "turn-sealed" });
        controller.close();
      },
    });
    return new Response(stream, {
      headers: { "content-type": "application/x-ndjson", "x-conversation-id": conversationId },
    });
  },
  websocket: {
    message(ws, raw) {
      const message = JSON.parse(String(raw)) as { type: string; conversationId?: string };
      if (message.type === "chat.subscribe" && message.conversationId) ws.subscribe(message.conversationId);
      else ws.send(JSON.stringify({ type: "error", message: `unsupported ${message.type}` }));
    },
  },
});

process.stderr.write(`relay listening on http://127.0.0.1:${server.port}\n`);
process.on("SIGTERM", () => process.exit(0));
