/**
 * Splits an NDJSON body (the `POST /chat` stream) into parsed values, one per line, as the
 * lines arrive. A torn last line is parsed when the body ends.
 */
import { CliError, EXIT } from "./errors.ts";

/** Yields each JSON line of `body`. Throws a `CliError` on a line that is not JSON. */
export async function* readNdjson<T>(body: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim() !== "") yield parseLine<T>(line);
      newline = buffer.indexOf("\n");
    }
  }
  buffer += decoder.decode();
  if (buffer.trim() !== "") yield parseLine<T>(buffer);
}

function parseLine<T>(line: string): T {
  try {
    return JSON.parse(line) as T;
  } catch {
    const preview = line.length > 80 ? `${line.slice(0, 80)}…` : line;
    throw new CliError(EXIT.FAILED, `the server sent a line that is not JSON: ${preview}`);
  }
}
