/**
 * The variable catalog of system prompt templates, served by `GET /system-prompt/variables` so a
 * client can offer them. Its types are also what the template parser recognizes as tags.
 */

/** One catalog entry; `dynamic` types accept any name (`file:<path>`). Shape of the reference's wire. */
export interface SystemPromptVariable {
  type: string;
  name: string;
  description: string;
  dynamic?: boolean;
}

/** Every variable a template can use, as `[type:name]`. */
export const VARIABLE_CATALOG: readonly SystemPromptVariable[] = [
  { type: "system", name: "time", description: "Time the prompt was built, ISO 8601 in UTC" },
  {
    type: "system",
    name: "date",
    description: "Date the prompt was built (YYYY-MM-DD, server's local date)",
  },
  { type: "system", name: "os", description: "Operating system, release and architecture" },
  { type: "system", name: "hostname", description: "Machine hostname" },
  { type: "prompt", name: "cwd", description: "Conversation working directory" },
  { type: "prompt", name: "model", description: "Model name (<credential>/<model>)" },
  { type: "prompt", name: "conversation_id", description: "Conversation id" },
  { type: "prompt", name: "workspace_id", description: "Workspace id" },
  { type: "git", name: "branch", description: "Current git branch of the working directory" },
  { type: "git", name: "status", description: "Short git status of the working directory" },
  {
    type: "file",
    name: "<path>",
    description: "Contents of a file, relative to the working directory and inside it (size-capped)",
    dynamic: true,
  },
  {
    type: "project",
    name: "instructions",
    description: "The working directory's AGENTS.md, or CLAUDE.md when there is no AGENTS.md (size-capped)",
  },
];

/** The tag types a template recognizes; `[other:thing]` is plain text. */
export const VARIABLE_TYPES: ReadonlySet<string> = new Set(VARIABLE_CATALOG.map((variable) => variable.type));
