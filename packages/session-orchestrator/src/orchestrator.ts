/**
 * Drives turns end to end, detached from any connection: resolve the model, settings and tools,
 * persist the user message, run the kernel's `runTurn` (which persists each step as it ends), seal
 * the turn with its metrics, and only then emit `turn-sealed`. One turn at a time per conversation;
 * the opening writes are one commit and the seal with the final status another.
 */

import { type ConversationStore, conversationStoreService } from "@dispatch/conversation-store";
import { type CredentialStore, credentialStoreService } from "@dispatch/credential-store";
import { errorMessage, type HostApi, type RetryPolicy, runTurn } from "@dispatch/kernel";
import type { AgentEvent, ChatMessage, Chunk, ConversationStatus, TurnMetrics } from "@dispatch/wire";
import {
  conversationClosed,
  conversationOpened,
  conversationStatusChanged,
  type SessionOrchestrator,
  type StartTurnOutcome,
  type StartTurnRequest,
  steeringSourceService,
  stepBoundaryService,
  systemPromptSourceService,
  turnSealing,
  turnSettled,
  turnStarted,
} from "./handles.ts";
import { createConversationHub } from "./hub.ts";
import { prepareRequest } from "./prepare.ts";

/** Options of the orchestrator. */
export interface OrchestratorOptions {
  /** The cwd of turns whose conversation has none. */
  defaultCwd: string;
  maxSteps?: number;
  retry?: RetryPolicy;
  /** What `startTurn` says when no credential is configured (names the settings to change). */
  noProviderMessage?: string;
}

interface ActiveTurn {
  turnId: string;
  controller: AbortController;
  settled: Promise<void>;
  closeRequested: boolean;
}

const DEFAULT_NO_PROVIDER =
  "No model provider is configured. Set DISPATCH_BASE_URL to an OpenAI-compatible endpoint " +
  "(and DISPATCH_API_KEY if it needs a key), then restart the server.";

/** Creates the orchestrator on a host whose conversation and credential stores are active. */
export function createSessionOrchestrator(host: HostApi, options: OrchestratorOptions): SessionOrchestrator {
  const store: ConversationStore = host.getService(conversationStoreService);
  const credentials: CredentialStore = host.getService(credentialStoreService);
  const hub = createConversationHub(host.logger);
  const prepareDeps = { host, store, credentials, defaultCwd: options.defaultCwd };
  const active = new Map<string, ActiveTurn>();
  let shuttingDown = false;

  function newTurnId(): string {
    return `turn-${host.now()}-${Math.random().toString(36).slice(2, 8)}`;
  }

  /** Announces a status the store already holds (after its commit). */
  function announceStatus(conversationId: string, status: ConversationStatus, workspaceId: string): void {
    host.emit(conversationStatusChanged, { conversationId, status, workspaceId });
  }

  function setStatus(conversationId: string, status: "active" | "idle" | "closed"): void {
    store.setStatus(conversationId, status);
    announceStatus(conversationId, status, store.getMeta(conversationId)?.workspaceId ?? "default");
  }

  function startTurn(request: StartTurnRequest): StartTurnOutcome {
    const { conversationId } = request;
    if (shuttingDown) {
      return {
        started: false,
        reason: "shutting-down",
        message: "the server is shutting down; retry shortly",
      };
    }
    if (active.has(conversationId)) {
      return {
        started: false,
        reason: "already-active",
        message: "turn already active for this conversation",
      };
    }
    if (credentials.credentials().length === 0) {
      return {
        started: false,
        reason: "no-provider",
        message: options.noProviderMessage ?? DEFAULT_NO_PROVIDER,
      };
    }
    const turnId = newTurnId();
    const turn: ActiveTurn = {
      turnId,
      controller: new AbortController(),
      settled: Promise.resolve(),
      closeRequested: false,
    };
    active.set(conversationId, turn);
    hub.beginTurn(conversationId);
    hub.publish({ type: "user-message", conversationId, turnId, text: request.message });
    turn.settled = runDetached(request, turn);
    return { started: true, turnId, settled: turn.settled };
  }

  async function runDetached(request: StartTurnRequest, turn: ActiveTurn): Promise<void> {
    const { conversationId } = request;
    const { turnId } = turn;
    const logger = host.logger.child({ conversationId, turnId });
    const emit = (event: AgentEvent) => hub.publish(event);
    let sealed = false;
    let finishReason: string | undefined;
    let modelName: string | undefined;
    let metrics: TurnMetrics | undefined;
    // Set once the final status is committed with the seal (one commit instead of two).
    let finalStatus: { status: ConversationStatus; workspaceId: string } | undefined;
    try {
      const prepared = await prepareRequest(prepareDeps, conversationId, {
        ...(request.model ? { model: request.model } : {}),
        ...(request.reasoningEffort ? { reasoningEffort: request.reasoningEffort } : {}),
        ...(request.cwd ? { cwd: request.cwd } : {}),
        ...(request.workspaceId ? { workspaceId: request.workspaceId } : {}),
      });
      if ("error" in prepared) {
        store.transaction(() => recordRequest(request));
        emit({ type: "error", conversationId, turnId, message: prepared.error, code: "UNKNOWN_MODEL" });
        return;
      }
      const { resolved, cwd, reasoningEffort, tools, systemPrompt, workspaceId } = prepared;
      modelName = resolved.name;

      const history = store.loadHistory(conversationId);
      const userMessage = toUserMessage(request);
      // One commit before the model is called: the conversation and its settings, its status,
      // the running turn (for recovery), the user message and a newly built system prompt.
      const promptSource = host.tryGetService(systemPromptSourceService);
      store.transaction(() => {
        recordRequest(request);
        if (request.model) store.setModel(conversationId, resolved.name);
        store.setStatus(conversationId, "active");
        store.beginTurn(conversationId, turnId);
        store.append(conversationId, turnId, [userMessage]);
        promptSource?.persist?.(conversationId);
      });
      announceStatus(conversationId, "active", workspaceId);
      host.emit(turnStarted, { conversationId, turnId });

      const stepBoundary = host.tryGetService(stepBoundaryService);
      history.push(userMessage);
      const result = await runTurn({
        conversationId,
        turnId,
        provider: resolved.provider,
        model: resolved.model,
        messages: history,
        tools,
        ...(systemPrompt ? { systemPrompt } : {}),
        reasoningEffort,
        cwd,
        toolRoots: prepared.roots,
        signal: turn.controller.signal,
        emit,
        logger,
        now: host.now,
        sleep: host.sleep,
        maxSteps: options.maxSteps,
        retry: options.retry,
        persist: async (messages: ChatMessage[]) => {
          // The log only: the turn stamps activity when it opens and when it seals.
          store.append(conversationId, turnId, messages, { touch: false });
        },
        drainSteering: async () => {
          const queued = host.tryGetService(steeringSourceService)?.drain(conversationId) ?? [];
          if (queued.length === 0) return [];
          const text = queued.map((m) => m.text).join("\n\n");
          emit({ type: "steering", conversationId, turnId, text });
          return [text];
        },
        ...(stepBoundary
          ? {
              onStepBoundary: (boundary) =>
                stepBoundary.onStepBoundary({
                  ...boundary,
                  conversationId,
                  turnId,
                  model: resolved.name,
                  signal: turn.controller.signal,
                }),
            }
          : {}),
      });
      finishReason = result.finishReason;
      metrics = {
        turnId,
        usage: result.usage,
        durationMs: result.durationMs,
        steps: result.steps,
        ...(result.contextSize === undefined ? {} : { contextSize: result.contextSize }),
      };
      const sealedMetrics = metrics;
      const sealedModel = resolved.name;
      // Nothing awaits between this commit and `finally`, so `closeRequested` cannot change in between.
      const status = turn.closeRequested ? "closed" : "idle";
      store.transaction(() => {
        store.sealTurn(conversationId, sealedMetrics, result.finishReason);
        store.setStatus(conversationId, status);
        // Listeners' writes (throughput samples) commit with the seal.
        host.emit(turnSealing, {
          conversationId,
          turnId,
          finishReason: result.finishReason,
          model: sealedModel,
          metrics: sealedMetrics,
        });
      });
      finalStatus = { status, workspaceId };
      sealed = true;
      emit({ type: "turn-sealed", conversationId, turnId });
    } catch (err) {
      logger.error("turn failed before it could seal", { err });
      emit({
        type: "error",
        conversationId,
        turnId,
        message: `internal error: ${errorMessage(err)}`,
        code: "INTERNAL",
      });
    } finally {
      active.delete(conversationId);
      hub.endTurn(conversationId);
      try {
        if (finalStatus) {
          // The conversation may have moved to another workspace while the turn ran.
          const workspaceId = store.getMeta(conversationId)?.workspaceId ?? finalStatus.workspaceId;
          announceStatus(conversationId, finalStatus.status, workspaceId);
        } else if (store.getMeta(conversationId))
          setStatus(conversationId, turn.closeRequested ? "closed" : "idle");
      } catch (err) {
        logger.error("could not record the conversation's status", { err });
      }
      host.emit(turnSettled, {
        conversationId,
        turnId,
        sealed,
        ...(finishReason ? { finishReason } : {}),
        ...(modelName ? { model: modelName } : {}),
        ...(metrics ? { metrics } : {}),
      });
      if (sealed && !turn.closeRequested) carryQueued(conversationId, logger);
    }
  }

  /** Creates the conversation and applies the request's workspace and cwd; inside the caller's transaction. */
  function recordRequest(request: StartTurnRequest): void {
    const { conversationId } = request;
    store.ensureConversation(conversationId, request.workspaceId ? { workspaceId: request.workspaceId } : {});
    if (request.workspaceId) store.setWorkspace(conversationId, request.workspaceId);
    if (request.cwd) store.setCwd(conversationId, request.cwd);
  }

  /** Starts the next turn with whatever was queued after the last tool-result boundary. */
  function carryQueued(conversationId: string, logger: typeof host.logger): void {
    // While shutting down, queued messages stay persisted; the queue restarts them at next boot.
    if (shuttingDown) return;
    const queued = host.tryGetService(steeringSourceService)?.drain(conversationId) ?? [];
    if (queued.length === 0) return;
    const outcome = startTurn({ conversationId, message: queued.map((m) => m.text).join("\n\n") });
    if (!outcome.started) logger.warn("queued messages could not start a turn", { reason: outcome.reason });
  }

  async function waitIdle(conversationId: string, timeoutMs?: number): Promise<void> {
    const turn = active.get(conversationId);
    if (!turn) return;
    if (timeoutMs === undefined) return turn.settled;
    const timer = new AbortController();
    await Promise.race([turn.settled, host.sleep(timeoutMs, timer.signal)]);
    timer.abort();
  }

  return {
    startTurn,
    subscribe: (conversationId, listener) => hub.subscribe(conversationId, listener),
    isActive: (conversationId) => active.has(conversationId),
    activeTurns: () => active.size,
    activeTurnId: (conversationId) => active.get(conversationId)?.turnId,
    open(conversationId) {
      const workspaceId = store.getMeta(conversationId)?.workspaceId ?? "default";
      host.emit(conversationOpened, { conversationId, workspaceId });
    },
    stop(conversationId) {
      const turn = active.get(conversationId);
      if (!turn) return { abortedTurn: false };
      turn.controller.abort();
      return { abortedTurn: true };
    },
    close(conversationId) {
      const turn = active.get(conversationId);
      if (turn) {
        turn.closeRequested = true;
        turn.controller.abort();
      } else if (store.getMeta(conversationId)) {
        setStatus(conversationId, "closed");
      }
      host.emit(conversationClosed, { conversationId });
      return { abortedTurn: turn !== undefined };
    },
    waitIdle,
    async shutdown(graceMs) {
      shuttingDown = true;
      const running = () => [...active.values()].map((turn) => turn.settled);
      const timer = new AbortController();
      await Promise.race([Promise.all(running()), host.sleep(graceMs, timer.signal)]);
      timer.abort();
      for (const turn of active.values()) turn.controller.abort();
      await Promise.all(running());
    },
  };
}

function toUserMessage(request: StartTurnRequest): ChatMessage {
  const chunks: Chunk[] = [{ type: "text", text: request.message }];
  for (const image of request.images ?? []) {
    chunks.push({ type: "image", url: image.url, ...(image.mimeType ? { mimeType: image.mimeType } : {}) });
  }
  return { role: "user", chunks };
}
