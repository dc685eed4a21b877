/**
 * The `lspService` handle other extensions use: the status of a cwd's servers (for
 * `GET /conversations/:id/lsp`), per-write diagnostics, the running processes, and shutdown.
 */
import { defineService } from "@dispatch/kernel";
import type { LspServerStatus } from "@dispatch/transport-contract";
import type { AfterWriteInput, AfterWriteResult } from "./engine.ts";
import type { ClientState } from "./manager.ts";

/** What the `lsp` extension provides. */
export interface LspService {
  /**
   * The servers configured for `cwd` and their state. Contract: synchronous, never spawns a server
   * (a server starts only when a file it handles is written or asked about), never throws.
   */
  status(cwd: string): LspServerStatus[];
  /**
   * Problems a write introduced and fixed in `path`, as notes for the tool result. Contract: settles
   * within `timeoutMs` (default: the extension's) plus a few milliseconds, with a note saying so when
   * a server was too slow; never rejects; returns no notes when no server handles the file.
   */
  diagnosticsAfterWrite(input: AfterWriteInput): Promise<AfterWriteResult>;
  /** Every (server, root) the daemon runs, is starting, or holds as failed, with process ids. */
  servers(): ClientState[];
  /** Stops every server and waits for the processes to exit. Contract: idempotent, never rejects. */
  shutdown(): Promise<void>;
}

/** Provided by the `lsp` extension. */
export const lspService = defineService<LspService>("lsp/service");
