/**
 * The todo surface (`todo`, per conversation, titled "Tasks"): one `custom` field, rendererId
 * `"todo"`, payload `{ todos }` as `todo_write` last set it. Read-only. Registered by its own
 * extension, which depends on `todo`, so the surface exists exactly when the list does; every
 * `todoChanged` pushes an update.
 */
import { type Dispose, type Extension, KERNEL_API_VERSION } from "@dispatch/kernel";
import { SurfaceError, surfaceRegistryService } from "@dispatch/surface-registry";
import { type TodoItem, todoChanged, todoService } from "@dispatch/todo";
import type { SurfaceCatalogEntry, SurfaceSpec } from "@dispatch/ui-contract";

/** The surface's catalog entry. */
export const TODO_ENTRY: SurfaceCatalogEntry = {
  id: "todo",
  region: "side",
  title: "Tasks",
  scope: "conversation",
};

/** The spec for a list (empty when no conversation is named). */
export function buildTodoSpec(todos: readonly TodoItem[]): SurfaceSpec {
  const { id, region, title } = TODO_ENTRY;
  return {
    id,
    region,
    title,
    fields: [{ kind: "custom", rendererId: "todo", payload: { todos: [...todos] } }],
  };
}

/** Creates the extension that registers the surface. */
export function createTodoSurfaceExtension(): Extension {
  let unregister: Dispose | undefined;
  return {
    manifest: {
      id: "surface-todo",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["surface-registry", "todo"],
      description: "Tasks surface: the model's todo list per conversation",
    },
    activate(host) {
      const todos = host.getService(todoService);
      unregister = host.getService(surfaceRegistryService).register({
        catalogEntry: TODO_ENTRY,
        getSpec: (context) => buildTodoSpec(context ? todos.get(context.conversationId) : []),
        invoke(actionId) {
          throw new SurfaceError(
            "UNKNOWN_ACTION",
            TODO_ENTRY.id,
            `the Tasks surface has no action "${actionId}": the model edits the list with todo_write`,
          );
        },
        subscribe: (onChange) => host.on(todoChanged, ({ conversationId }) => onChange({ conversationId })),
      });
    },
    deactivate() {
      unregister?.();
      unregister = undefined;
    },
  };
}
