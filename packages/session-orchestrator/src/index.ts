/**
 * The session orchestrator: detached single-flight turns, the event hub with replay, and the
 * lifecycle hooks other extensions listen to.
 * @module
 */
export { createSessionOrchestratorExtension, type SessionOrchestratorExtensionOptions } from "./extension.ts";
export {
  conversationClosed,
  conversationOpened,
  conversationStatusChanged,
  type EventListener,
  type SessionOrchestrator,
  type StartTurnOutcome,
  type StartTurnRefusal,
  type StartTurnRequest,
  type SteeringSource,
  type StepBoundaryContext,
  type StepBoundaryHandler,
  type SystemPromptContext,
  type SystemPromptSource,
  sessionOrchestratorService,
  steeringSourceService,
  stepBoundaryService,
  systemPromptSourceService,
  type ToolAssembly,
  toolsFilter,
  turnSealing,
  turnSettled,
  turnStarted,
  type WarmOutcome,
  type WarmResult,
  type WarmService,
  warmCompleted,
  warmService,
} from "./handles.ts";
export type { OrchestratorOptions } from "./orchestrator.ts";
export { effectiveCwd, type PreparedRequest, prepareRequest } from "./prepare.ts";
export { createRetryPolicy, DEFAULT_RETRY_DELAYS_MS } from "./retry.ts";
export { WARM_PROBE } from "./warm.ts";
