/**
 * The todo extension's typed handles: the service other extensions read lists through, and the
 * event emitted whenever a list changes (the surfaces work renders it as the "Tasks" panel).
 */
import { defineEvent, defineService } from "@dispatch/kernel";
import type { TodoItem } from "./todo-store.ts";

/** Reads a conversation's task list. */
export interface TodoService {
  /** The current list (empty when none). */
  get(conversationId: string): TodoItem[];
}

/** Provided by the `todo` extension. */
export const todoService = defineService<TodoService>("todo/service");

/** A conversation's list after a change; payload shape matches the reference's todo surface. */
export interface TodoChanged {
  conversationId: string;
  todos: TodoItem[];
}

/** Emitted after `todo_write` persisted a new list. */
export const todoChanged = defineEvent<TodoChanged>("todo/changed");
