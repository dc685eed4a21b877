/**
 * todo: the `todo_write` tool, its persisted store, its handles and its extension.
 * @module
 */
export { createTodoExtension } from "./extension.ts";
export { type TodoChanged, type TodoService, todoChanged, todoService } from "./handles.ts";
export {
  createTodoStore,
  TODO_MIGRATIONS,
  TODO_STATUSES,
  type TodoItem,
  type TodoStatus,
  type TodoStore,
} from "./todo-store.ts";
export { createTodoWriteTool, formatList, MAX_TODOS, type TodoWriteToolOptions } from "./todo-write-tool.ts";
