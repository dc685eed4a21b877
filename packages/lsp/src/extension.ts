/**
 * The `lsp` extension: registers the `lsp` tool, provides `lspService`, appends per-write
 * diagnostics through tool-kit's `fileWrittenFilter` (applied by edit_file and write_file), and
 * contributes the `lsp-status` surface. Deactivation stops every language server.
 */
import { type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { surfaceRegistryService } from "@dispatch/surface-registry";
import { fileWrittenFilter, toAbortSignal } from "@dispatch/tool-kit";
import { createLspRuntime, type LspOptions, type LspRuntime } from "./runtime.ts";
import { lspService } from "./service.ts";

/** Options of `createLspExtension` (see `LspOptions` for each default). */
export type LspExtensionOptions = LspOptions;

/**
 * The extension (id `lsp`). Depends on `surface-registry` unless `statusSurface` is `false`.
 * @example createLspExtension({ env: serverEnv, containment: { deniedRoots: [dataDir] } })
 */
export function createLspExtension(options: LspExtensionOptions = {}): Extension {
  let runtime: LspRuntime | undefined;
  let unregisterSurface: (() => void) | undefined;
  const surface = options.statusSurface ?? true;
  return {
    manifest: {
      id: "lsp",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: surface ? ["surface-registry"] : [],
      description: "Language servers: diagnostics after each edit and the lsp tool",
    },
    activate(host) {
      const parts = createLspRuntime({ ...options, now: options.now ?? host.now, logger: host.logger });
      runtime = parts;
      host.registerTool(parts.tool);
      host.provideService(lspService, parts.service);
      host.addFilter(fileWrittenFilter, async function lspDiagnosticsAfterWrite(written) {
        const result = await parts.service.diagnosticsAfterWrite({
          path: written.path,
          cwd: written.cwd,
          signal: toAbortSignal(written.signal),
        });
        return result.notes.length === 0
          ? written
          : { ...written, notes: [...written.notes, ...result.notes] };
      });
      if (surface) unregisterSurface = host.getService(surfaceRegistryService).register(parts.surface);
    },
    async deactivate() {
      unregisterSurface?.();
      await runtime?.service.shutdown();
    },
  };
}
