/**
 * Pure formatting for read_file: numbered lines within the line-length and output caps, binary
 * detection and description, and directory listings. No I/O; the tool feeds it bytes and entries.
 */

/** Lines longer than this are cut (a minified file cannot flood the context). */
export const MAX_LINE_CHARS = 2_000;
/** The whole result stops near this many characters, with a note saying where to continue. */
export const MAX_OUTPUT_CHARS = 50_000;
/** Entries shown for one directory. */
export const MAX_DIRECTORY_ENTRIES = 1_000;

/** A page of numbered lines, or an error for an offset past the end. */
export type LinePage = { ok: true; text: string } | { ok: false; message: string };

/**
 * Formats lines `offset`..`offset+limit-1` of `lines` as `<n>: <text>`. `total` is the line count
 * when known (it is not for streamed large files; then `lines` may end early).
 */
export async function formatLines(
  lines: AsyncIterable<string>,
  options: { offset: number; limit: number; total?: number; display: string },
): Promise<LinePage> {
  const { offset, limit, total, display } = options;
  const out: string[] = [];
  let chars = 0;
  let lineNumber = 0;
  let last = offset - 1;
  let capped = false;
  let more = false;
  for await (const raw of lines) {
    lineNumber++;
    if (lineNumber < offset) continue;
    if (lineNumber >= offset + limit) {
      more = true;
      break;
    }
    const entry = `${lineNumber}: ${cutLine(raw)}`;
    if (out.length > 0 && chars + entry.length + 1 > MAX_OUTPUT_CHARS) {
      capped = true;
      break;
    }
    out.push(entry);
    chars += entry.length + 1;
    last = lineNumber;
  }
  if (out.length === 0) {
    const count = total ?? lineNumber;
    return {
      ok: false,
      message: `offset ${offset} is past the end of ${display} (${count} line${count === 1 ? "" : "s"}). Use an offset between 1 and ${Math.max(count, 1)}.`,
    };
  }
  const of = total === undefined ? "" : ` of ${total}`;
  if (capped) {
    out.push(
      `[Output capped at ${MAX_OUTPUT_CHARS.toLocaleString("en-US")} characters: showed lines ${offset}-${last}${of}. Call read_file with offset=${last + 1} to continue.]`,
    );
  } else if (more || (total !== undefined && last < total)) {
    out.push(`[Showed lines ${offset}-${last}${of}. Call read_file with offset=${last + 1} to read more.]`);
  }
  return { ok: true, text: out.join("\n") };
}

function cutLine(line: string): string {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  if (text.length <= MAX_LINE_CHARS) return text;
  const cut = text.length - MAX_LINE_CHARS;
  return `${text.slice(0, MAX_LINE_CHARS)} … [line cut: ${cut.toLocaleString("en-US")} more characters]`;
}

/** The lines of a text, without the empty string after a final newline. */
export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length > 1 && lines.at(-1) === "") lines.pop();
  return lines;
}

const MAGIC: [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], "PNG image"],
  [[0xff, 0xd8, 0xff], "JPEG image"],
  [[0x47, 0x49, 0x46, 0x38], "GIF image"],
  [[0x25, 0x50, 0x44, 0x46], "PDF document"],
  [[0x50, 0x4b, 0x03, 0x04], "ZIP archive (or a zip-based format: docx, xlsx, jar)"],
  [[0x1f, 0x8b], "gzip archive"],
  [[0x42, 0x5a, 0x68], "bzip2 archive"],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], "xz archive"],
  [[0x7f, 0x45, 0x4c, 0x46], "ELF executable"],
  [[0x00, 0x61, 0x73, 0x6d], "WebAssembly module"],
  [[0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], "SQLite database"],
  [[0xff, 0xfe], "UTF-16 (little-endian) text"],
  [[0xfe, 0xff], "UTF-16 (big-endian) text"],
];

/** What a binary file probably is, from its first bytes. */
export function binaryKind(sample: Uint8Array): string {
  for (const [bytes, kind] of MAGIC) {
    if (bytes.every((byte, i) => sample[i] === byte)) return kind;
  }
  if (sample[0] === 0x52 && sample[8] === 0x57 && sample[9] === 0x45 && sample[10] === 0x42)
    return "WebP image";
  return "binary data";
}

/** The result for a binary file. */
export function describeBinary(display: string, size: number, sample: Uint8Array): string {
  return `Binary file ${display} (${size.toLocaleString("en-US")} bytes, ${binaryKind(sample)}); its content is not shown. If you need to inspect it, use run_shell (e.g. \`file\` or \`xxd ... | head\`).`;
}

/** One directory entry for a listing. */
export interface ListedEntry {
  name: string;
  kind: "directory" | "file" | "symlink" | "other";
}

/** A directory listing: directories first, then the rest, each sorted by name. */
export function formatDirectory(display: string, entries: readonly ListedEntry[]): string {
  if (entries.length === 0) return `Directory ${display} is empty.`;
  const suffix = { directory: "/", file: "", symlink: "@", other: " (special file)" } as const;
  const sorted = [...entries].sort((a, b) => {
    const rank = (entry: ListedEntry): number => (entry.kind === "directory" ? 0 : 1);
    return rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  });
  const shown = sorted.slice(0, MAX_DIRECTORY_ENTRIES).map((entry) => `${entry.name}${suffix[entry.kind]}`);
  const count = `${entries.length} entr${entries.length === 1 ? "y" : "ies"}`;
  const lines = [`Directory ${display} (${count}; "/" marks directories, "@" symlinks):`, ...shown];
  if (entries.length > MAX_DIRECTORY_ENTRIES) {
    lines.push(
      `[... ${entries.length - MAX_DIRECTORY_ENTRIES} more entries not shown. Use run_shell to search.]`,
    );
  }
  return lines.join("\n");
}
