/**
 * The NDJSON writer on a real `ReadableStream`: the first line of a burst is enqueued alone and at
 * once, the lines that follow in the same macrotask arrive as one chunk, `close` writes what is
 * pending before closing, and a stream the client cancelled is reported once and written no more.
 */
import { describe, expect, it } from "vitest";
import { createNdjsonWriter, type NdjsonWriter } from "./chat.ts";

const decoder = new TextDecoder();

function open(onGone: () => void = () => {}) {
  let writer: NdjsonWriter | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      writer = createNdjsonWriter(controller, onGone);
    },
  });
  if (!writer) throw new Error("the stream did not start synchronously");
  const reader = stream.getReader();
  const next = async () => {
    const { value, done } = await reader.read();
    return done ? null : decoder.decode(value);
  };
  return { writer, reader, next };
}

describe("createNdjsonWriter", () => {
  it("enqueues a burst's first line alone and joins the rest into one chunk", async () => {
    const { writer, next } = open();
    writer.write("1\n");
    writer.write("2\n");
    writer.write("3\n");
    expect(await next()).toBe("1\n");
    expect(await next()).toBe("2\n3\n");
    writer.write("4\n");
    expect(await next()).toBe("4\n");
  });

  it("writes what is pending on close, then ends the stream", async () => {
    const { writer, next } = open();
    writer.write("a\n");
    writer.write("b\n");
    writer.write("c\n");
    writer.close();
    expect(await next()).toBe("a\n");
    expect(await next()).toBe("b\nc\n");
    expect(await next()).toBeNull();
    writer.write("late\n");
  });

  it("reports a cancelled stream once and stops writing", async () => {
    let gone = 0;
    const { writer, reader } = open(() => {
      gone += 1;
    });
    await reader.cancel();
    writer.write("x\n");
    writer.write("y\n");
    await new Promise((resolve) => setImmediate(resolve));
    writer.write("z\n");
    writer.close();
    expect(gone).toBe(1);
  });
});
