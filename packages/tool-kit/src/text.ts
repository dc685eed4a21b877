/**
 * Text detection shared by the file tools: whether bytes are text the model can read and edit.
 */

/** Bytes of a file's head that decide whether it is text. */
export const TEXT_SAMPLE_BYTES = 8_192;

/** True when a leading sample of a file is not text (a NUL byte, or invalid UTF-8). */
export function looksBinary(sample: Uint8Array): boolean {
  const head = sample.subarray(0, TEXT_SAMPLE_BYTES);
  if (head.includes(0)) return true;
  try {
    // `stream: true` tolerates a character cut at the end of the sample.
    new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    return false;
  } catch {
    return true;
  }
}
