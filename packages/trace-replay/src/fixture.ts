/**
 * The fixture format of one recorded HTTP exchange, and its JSON file I/O. Loading validates the
 * file with zod, so a hand-edited fixture fails with a message naming the bad field.
 */
import { z } from "zod";

const headersSchema = z.record(z.string(), z.string());

const fixtureSchema = z.object({
  request: z.object({
    method: z.string(),
    url: z.string(),
    headers: headersSchema,
    body: z.string().nullable(),
  }),
  response: z.object({
    status: z.number().int(),
    statusText: z.string().optional(),
    headers: headersSchema,
    /** The full raw body text, e.g. the entire SSE stream. */
    body: z.string(),
  }),
  meta: z.looseObject({ description: z.string().optional(), captured_by: z.string().optional() }).optional(),
});

/** One recorded HTTP exchange (secrets already redacted). */
export type HttpExchangeFixture = z.infer<typeof fixtureSchema>;

/** Validates parsed JSON as a fixture; throws naming the offending fields. */
export function parseFixture(value: unknown, source = "fixture"): HttpExchangeFixture {
  const parsed = fixtureSchema.safeParse(value);
  if (!parsed.success)
    throw new Error(`${source} is not an HTTP exchange fixture: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Reads and validates a fixture file. */
export async function loadFixture(path: string): Promise<HttpExchangeFixture> {
  return parseFixture(await Bun.file(path).json(), path);
}

/** Writes a fixture as pretty JSON with a trailing newline (stable diffs). */
export async function saveFixture(path: string, fixture: HttpExchangeFixture): Promise<void> {
  await Bun.write(path, `${JSON.stringify(fixture, null, 2)}\n`);
}
