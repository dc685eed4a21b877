/**
 * Surface operations of the socket: `subscribe` (answered with `surface`), `unsubscribe`, `invoke`,
 * and the fan-out of registry changes as `update`s and `catalog`s. Async providers are awaited; a
 * spec is fetched once per (surface, conversation) however many clients watch it, and signals that
 * arrive while a fetch runs are folded into one more fetch, so updates never arrive out of order.
 */
import { type Dispose, errorMessage, type Logger } from "@dispatch/kernel";
import {
  type SurfaceChange,
  type SurfaceContext,
  SurfaceError,
  type SurfaceRegistry,
} from "@dispatch/surface-registry";
import type { InvokeMessage, SubscribeMessage, UnsubscribeMessage } from "@dispatch/ui-contract";
import type { Connection } from "./connection.ts";
import { errorReply } from "./protocol.ts";

/** The surface side of the server. */
export interface SurfaceHub {
  /** The `catalog` message to greet a client with. */
  catalogMessage(): string;
  subscribe(connection: Connection, message: SubscribeMessage): Promise<void>;
  unsubscribe(connection: Connection, message: UnsubscribeMessage): void;
  invoke(connection: Connection, message: InvokeMessage): Promise<void>;
  /** Forgets a closed connection's subscriptions. */
  drop(connection: Connection): void;
  /** Stops listening to the registry. */
  dispose: Dispose;
}

interface Subscription {
  surfaceId: string;
  conversationId: string | undefined;
  connections: Set<Connection>;
}

/** What the hub needs. */
export interface SurfaceHubOptions {
  registry: SurfaceRegistry;
  /** Sends a serialized message to every authenticated client. Contract: never throws. */
  broadcast(text: string): void;
  logger: Logger;
}

/** Creates the hub and starts listening to the registry. */
export function createSurfaceHub(options: SurfaceHubOptions): SurfaceHub {
  const { registry, logger } = options;
  const subscriptions = new Map<string, Subscription>();
  const refreshing = new Map<string, { again: boolean }>();

  const catalogMessage = () => JSON.stringify({ type: "catalog", catalog: registry.getCatalog() });
  const contextOf = (conversationId: string | undefined): SurfaceContext | undefined =>
    conversationId === undefined ? undefined : { conversationId };

  function onChange(change: SurfaceChange): void {
    if (change.kind === "catalog") {
      options.broadcast(catalogMessage());
      return;
    }
    for (const [key, subscription] of subscriptions) {
      if (subscription.surfaceId !== change.surfaceId) continue;
      if (change.conversationId !== undefined && subscription.conversationId !== change.conversationId)
        continue;
      refresh(key);
    }
  }

  function refresh(key: string): void {
    const running = refreshing.get(key);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: true };
    refreshing.set(key, state);
    queueMicrotask(() => void drain(key, state));
  }

  async function drain(key: string, state: { again: boolean }): Promise<void> {
    try {
      while (state.again) {
        state.again = false;
        await pushUpdate(key);
      }
    } catch (err) {
      logger.warn("pushing a surface update failed", { err });
    } finally {
      refreshing.delete(key);
    }
  }

  async function pushUpdate(key: string): Promise<void> {
    const subscription = subscriptions.get(key);
    if (!subscription || registry.getSurface(subscription.surfaceId) === undefined) return;
    const { surfaceId, conversationId } = subscription;
    let text: string;
    try {
      const spec = await registry.getSpec(surfaceId, contextOf(conversationId));
      text = JSON.stringify({
        type: "update",
        update: { surfaceId, spec, ...(conversationId ? { conversationId } : {}) },
      });
    } catch (err) {
      logger.warn("a surface failed to produce its spec", { err, surfaceId });
      text = JSON.stringify(errorReply(`surface "${surfaceId}" failed: ${errorMessage(err)}`, surfaceId));
    }
    for (const connection of subscriptions.get(key)?.connections ?? []) connection.sendText(text);
  }

  const stopWatching = registry.watch(onChange);

  return {
    catalogMessage,
    async subscribe(connection, message) {
      const { surfaceId, conversationId } = message;
      if (registry.getSurface(surfaceId) === undefined) {
        connection.send(
          errorReply(`unknown surface "${surfaceId}": use an id from the latest catalog`, surfaceId),
        );
        return;
      }
      const key = keyOf(surfaceId, conversationId);
      let subscription = subscriptions.get(key);
      if (!subscription) {
        subscription = { surfaceId, conversationId, connections: new Set() };
        subscriptions.set(key, subscription);
      }
      subscription.connections.add(connection);
      connection.surfaceKeys.add(key);
      try {
        const spec = await registry.getSpec(surfaceId, contextOf(conversationId));
        connection.send({ type: "surface", spec, ...(conversationId ? { conversationId } : {}) });
      } catch (err) {
        logger.warn("a surface failed to produce its spec", { err, surfaceId });
        connection.send(errorReply(`surface "${surfaceId}" failed: ${errorMessage(err)}`, surfaceId));
      }
    },
    unsubscribe(connection, message) {
      remove(connection, keyOf(message.surfaceId, message.conversationId));
    },
    async invoke(connection, message) {
      const { surfaceId, actionId, payload, conversationId } = message;
      try {
        await registry.invoke(surfaceId, actionId, payload, contextOf(conversationId));
      } catch (err) {
        if (!(err instanceof SurfaceError))
          logger.warn("a surface action failed", { err, surfaceId, actionId });
        connection.send(errorReply(errorMessage(err), surfaceId));
      }
    },
    drop(connection) {
      for (const key of [...connection.surfaceKeys]) remove(connection, key);
    },
    dispose: stopWatching,
  };

  function remove(connection: Connection, key: string): void {
    connection.surfaceKeys.delete(key);
    const subscription = subscriptions.get(key);
    if (!subscription) return;
    subscription.connections.delete(connection);
    if (subscription.connections.size === 0) subscriptions.delete(key);
  }
}

function keyOf(surfaceId: string, conversationId: string | undefined): string {
  return `${surfaceId}\u0000${conversationId ?? ""}`;
}
