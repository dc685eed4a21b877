/**
 * The `todo_write` tool: the model replaces its conversation's task list; the list is persisted,
 * announced through `onChange`, and echoed back as a checklist.
 */
import type { Tool } from "@dispatch/kernel";
import { defineTool } from "@dispatch/tool-kit";
import { z } from "zod";
import { type TodoItem, type TodoStore, todoItemSchema } from "./todo-store.ts";

/** Most tasks one list may hold. */
export const MAX_TODOS = 100;

/** What `createTodoWriteTool` needs. */
export interface TodoWriteToolOptions {
  store: TodoStore;
  /** Called after each persisted change. Contract: must not throw. */
  onChange(conversationId: string, todos: TodoItem[]): void;
}

const input = z.object({
  todos: z
    .array(
      todoItemSchema.extend({
        content: todoItemSchema.shape.content.describe("The task, as a short imperative sentence."),
        status: todoItemSchema.shape.status.describe("pending, in_progress, completed or cancelled."),
      }),
    )
    .max(MAX_TODOS)
    .describe("The complete, updated list; it replaces the previous one."),
});

const DESCRIPTION = `Keep a task list for the current work; the user sees it beside the conversation.
Send the whole list every time: it replaces the previous one.
Use it for work with several steps: list the steps, keep exactly one in_progress while you work on it, mark it completed as soon as it is done, and mark steps that no longer apply as cancelled.
Skip it for a single quick task.`;

const MARK: Record<TodoItem["status"], string> = {
  pending: "[ ]",
  in_progress: "[>]",
  completed: "[x]",
  cancelled: "[-]",
};

/** The `todo_write` tool. */
export function createTodoWriteTool(options: TodoWriteToolOptions): Tool {
  return defineTool({
    name: "todo_write",
    description: DESCRIPTION,
    input,
    async execute(args, ctx) {
      const todos: TodoItem[] = args.todos.map(({ content, status }) => ({ content, status }));
      options.store.set(ctx.conversationId, todos);
      options.onChange(ctx.conversationId, todos);
      return formatList(todos);
    },
  });
}

/** The checklist the model sees after an update. */
export function formatList(todos: readonly TodoItem[]): string {
  if (todos.length === 0) return "Task list cleared.";
  const done = todos.filter((t) => t.status === "completed").length;
  const active = todos.filter((t) => t.status === "in_progress").length;
  const lines = todos.map((t) => `${MARK[t.status]} ${t.content}`);
  return `Task list updated: ${done} of ${todos.length} completed, ${active} in progress.\n${lines.join("\n")}`;
}
