/**
 * `GET <baseURL>/models`: the OpenAI list shape, validated with zod, mapped to `ModelInfo`. Reads
 * the context window and vision support from the common non-standard fields when a server sends them
 * (`context_length`, `context_window`, `max_model_len`; `architecture.input_modalities`).
 */
import type { ModelInfo } from "@dispatch/kernel";
import { z } from "zod";

const modelSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  context_length: z.number().optional(),
  context_window: z.number().optional(),
  max_model_len: z.number().optional(),
  architecture: z.looseObject({ input_modalities: z.array(z.string()).optional() }).optional(),
  capabilities: z.looseObject({ vision: z.boolean().optional() }).optional(),
});

const listSchema = z.object({ data: z.array(modelSchema) });

/** Parses a `/models` response body; throws a readable error when the shape is wrong. */
export function parseModelList(body: unknown): ModelInfo[] {
  const parsed = listSchema.safeParse(body);
  if (!parsed.success) {
    throw new Error(`the /models response is not an OpenAI model list: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data.data.map((entry) => {
    const info: ModelInfo = { id: entry.id };
    if (entry.name !== undefined && entry.name !== entry.id) info.displayName = entry.name;
    const contextWindow = entry.context_length ?? entry.context_window ?? entry.max_model_len;
    if (contextWindow !== undefined) info.contextWindow = contextWindow;
    const modalities = entry.architecture?.input_modalities;
    const vision = entry.capabilities?.vision ?? (modalities ? modalities.includes("image") : undefined);
    if (vision !== undefined) info.vision = vision;
    return info;
  });
}
