/**
 * Third-party extensions named in `DISPATCH_EXTERNAL_EXTENSIONS` (module specifiers or paths). A
 * module must export `extension` (or a default export) with a `manifest.id` and `activate`; a
 * module that fails to load or has the wrong shape is reported and skipped, never fatal.
 */

import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Extension, Logger } from "@dispatch/kernel";

function isExtension(value: unknown): value is Extension {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { manifest?: { id?: unknown }; activate?: unknown };
  return typeof candidate.manifest?.id === "string" && typeof candidate.activate === "function";
}

/** Loads each specifier; returns the good extensions. */
export async function loadExternalExtensions(
  specifiers: readonly string[],
  cwd: string,
  logger: Logger,
): Promise<Extension[]> {
  const loaded: Extension[] = [];
  for (const specifier of specifiers) {
    const target =
      specifier.startsWith(".") || isAbsolute(specifier)
        ? pathToFileURL(resolve(cwd, specifier)).href
        : specifier;
    try {
      const mod = (await import(target)) as { extension?: unknown; default?: unknown };
      const candidate = mod.extension ?? mod.default;
      if (!isExtension(candidate)) {
        logger.error(
          "external extension skipped: it must export `extension` (or default) with manifest.id and activate()",
          {
            specifier,
          },
        );
        continue;
      }
      loaded.push(candidate);
    } catch (err) {
      logger.error("external extension skipped: it failed to load", { specifier, err });
    }
  }
  return loaded;
}
