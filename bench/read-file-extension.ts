/**
 * A tiny `read_file` tool the benchmark loads into the daemon through
 * `DISPATCH_EXTERNAL_EXTENSIONS` when host-bin does not bundle the real tool extensions yet: the
 * tool turn needs a tool, and this one does what the relay's does (read the file, return its text).
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";

/** The extension (the shape `DISPATCH_EXTERNAL_EXTENSIONS` loads). */
export const extension: Extension = {
  manifest: {
    id: "bench-read-file",
    version: "0.1.0",
    apiVersion: KERNEL_API_VERSION,
    description: "Benchmark read_file tool",
  },
  activate(host) {
    host.registerTool({
      name: "read_file",
      description: "Reads a text file and returns its content.",
      inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
      concurrencySafe: true,
      async execute(input, ctx) {
        const path = (input as { path?: unknown }).path;
        if (typeof path !== "string") return { content: "path must be a string", isError: true };
        try {
          return { content: await readFile(isAbsolute(path) ? path : resolve(ctx.cwd ?? ".", path), "utf8") };
        } catch (err) {
          return { content: `cannot read ${path}: ${(err as Error).message}`, isError: true };
        }
      },
    });
  },
};
