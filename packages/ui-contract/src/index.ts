/**
 * The vocabulary of backend-declared UI surfaces and the surface half of the WebSocket protocol.
 * A surface carries structure, semantics and actions, never styling: every client renders it in its
 * own idiom. Types only, zero dependencies, so a separate client can depend on this package alone.
 * Names and shapes match the reference system (`ui-contract`) field for field.
 * @module
 */

/** A coarse placement hint (`"side"`, …); clients map unknown regions to their default place. */
export type Region = string;

/** Whether a surface has one state for everyone or one per conversation. */
export type SurfaceScope = "global" | "conversation";

/** A reference to a backend action a field can invoke (sent back in an `invoke` message). */
export interface ActionRef {
  readonly actionId: string;
}

/** One option of a `selector` field. */
export interface SurfaceOption {
  readonly value: string;
  readonly label: string;
}

/** A boolean setting and the action that sets it (payload: the new boolean, or none to flip). */
export interface ToggleField {
  readonly kind: "toggle";
  readonly label: string;
  readonly value: boolean;
  readonly action: ActionRef;
}

/** A read-only ratio in [0, 1]. */
export interface ProgressField {
  readonly kind: "progress";
  readonly label: string;
  readonly value: number;
}

/** A choice among options and the action that sets it (payload: the chosen option's value). */
export interface SelectorField {
  readonly kind: "selector";
  readonly label: string;
  readonly value: string;
  readonly options: readonly SurfaceOption[];
  readonly action: ActionRef;
}

/** A read-only labelled readout; consecutive stats render as one table. */
export interface StatField {
  readonly kind: "stat";
  readonly label: string;
  readonly value: string;
}

/** A settable number (payload: the new number); bounds and unit are hints. */
export interface NumberField {
  readonly kind: "number";
  readonly label: string;
  readonly value: number;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly unit?: string;
  readonly action: ActionRef;
}

/** A labelled action trigger (no payload). */
export interface ButtonField {
  readonly kind: "button";
  readonly label: string;
  readonly action: ActionRef;
}

/**
 * Data no other kind fits: clients with a renderer for `rendererId` show it, others skip it. The
 * owner documents the payload type (e.g. `QueuePayload` for `"message-queue"`).
 */
export interface CustomField {
  readonly kind: "custom";
  readonly rendererId: string;
  readonly payload: unknown;
}

/** A field of a surface; `kind` is the discriminant clients switch on. */
export type SurfaceField =
  | ToggleField
  | ProgressField
  | SelectorField
  | StatField
  | NumberField
  | ButtonField
  | CustomField;

/** The kinds of field, for clients that dispatch on them. */
export type SurfaceFieldKind = SurfaceField["kind"];

/** A surface: ordered fields in a region under a title. */
export interface SurfaceSpec {
  readonly id: string;
  readonly region: Region;
  readonly title: string;
  readonly fields: readonly SurfaceField[];
}

/** Discovery metadata of a surface (no field data). `scope` absent means global. */
export interface SurfaceCatalogEntry {
  readonly id: string;
  readonly region: Region;
  readonly title: string;
  readonly scope?: SurfaceScope;
}

/** Every available surface. */
export type SurfaceCatalog = readonly SurfaceCatalogEntry[];

/** The full new spec of a subscribed surface; `conversationId` only for conversation-scoped ones. */
export interface SurfaceUpdate {
  readonly surfaceId: string;
  readonly spec: SurfaceSpec;
  readonly conversationId?: string;
}

/**
 * Starts watching a surface: the server answers `surface`, then sends `update`s. Idempotent per
 * (surfaceId, conversationId). Give `conversationId` for a conversation-scoped surface.
 */
export interface SubscribeMessage {
  readonly type: "subscribe";
  readonly surfaceId: string;
  readonly conversationId?: string;
}

/** Stops watching a surface (for the same `conversationId`, if scoped). */
export interface UnsubscribeMessage {
  readonly type: "unsubscribe";
  readonly surfaceId: string;
  readonly conversationId?: string;
}

/** Runs a field's action. No direct reply: the effect arrives as `update`s; a failure as `error`. */
export interface InvokeMessage {
  readonly type: "invoke";
  readonly surfaceId: string;
  readonly actionId: string;
  readonly payload?: unknown;
  readonly conversationId?: string;
}

/** A client → server surface message. */
export type SurfaceClientMessage = SubscribeMessage | UnsubscribeMessage | InvokeMessage;

/** The catalog: sent on connect and whenever it changes. */
export interface CatalogMessage {
  readonly type: "catalog";
  readonly catalog: SurfaceCatalog;
}

/** The reply to `subscribe`; echoes the subscription's `conversationId`. */
export interface SurfaceMessage {
  readonly type: "surface";
  readonly spec: SurfaceSpec;
  readonly conversationId?: string;
}

/** A live update of a subscribed surface. */
export interface SurfaceUpdateMessage {
  readonly type: "update";
  readonly update: SurfaceUpdate;
}

/** A problem with a surface message (unknown surface, failed action, bad frame); says what to fix. */
export interface SurfaceErrorMessage {
  readonly type: "error";
  readonly surfaceId?: string;
  readonly message: string;
}

/** A server → client surface message. */
export type SurfaceServerMessage =
  | CatalogMessage
  | SurfaceMessage
  | SurfaceUpdateMessage
  | SurfaceErrorMessage;
