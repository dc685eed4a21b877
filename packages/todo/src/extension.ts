/**
 * The `todo` extension: persists task lists through the storage service, provides `todoService`,
 * emits `todoChanged`, and registers `todo_write`.
 */
import { type Extension, KERNEL_API_VERSION, storageService } from "@dispatch/kernel";
import { todoChanged, todoService } from "./handles.ts";
import { createTodoStore } from "./todo-store.ts";
import { createTodoWriteTool } from "./todo-write-tool.ts";

/** The extension registering `todo_write`. Depends on `storage-sqlite`. */
export function createTodoExtension(): Extension {
  return {
    manifest: {
      id: "todo",
      version: "0.1.0",
      apiVersion: KERNEL_API_VERSION,
      dependsOn: ["storage-sqlite"],
      description: "todo_write: the per-conversation task list, persisted, with a change event",
    },
    activate(host) {
      const store = createTodoStore(host.getService(storageService).sql, host.now);
      host.provideService(todoService, { get: (conversationId) => store.get(conversationId) });
      host.registerTool(
        createTodoWriteTool({
          store,
          onChange: (conversationId, todos) => host.emit(todoChanged, { conversationId, todos }),
        }),
      );
    },
  };
}
