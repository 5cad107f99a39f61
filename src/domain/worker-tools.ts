/**
 * How a worker's `tools` names its tools: a built-in tool by its name (`calculator`), every tool
 * of a tenant's MCP server (`mcp:<server>`) or one of them (`mcp:<server>/<tool>`). Pure syntax:
 * which built-in tools exist is the tool registry's business and is passed in by the services,
 * and which MCP servers exist is the tenant's (checked against its repository).
 */
export const MCP_TOOL_PREFIX = 'mcp:';

/** An MCP server's name: it becomes part of function names given to models, so it stays short and plain. */
export const MCP_SERVER_NAME = /^[A-Za-z0-9_-]{1,32}$/;

export type ToolReference =
  | { kind: 'builtin'; name: string }
  | { kind: 'mcp'; server: string; tool: string | null };

/** What a tool name refers to, or a message saying why it is malformed. */
export function parseToolReference(name: string): ToolReference | { kind: 'invalid'; message: string } {
  if (!name.startsWith(MCP_TOOL_PREFIX)) return { kind: 'builtin', name };
  const rest = name.slice(MCP_TOOL_PREFIX.length);
  const slash = rest.indexOf('/');
  const server = slash < 0 ? rest : rest.slice(0, slash);
  const tool = slash < 0 ? null : rest.slice(slash + 1);
  if (!MCP_SERVER_NAME.test(server)) {
    return { kind: 'invalid', message: `"${name}": expected mcp:<server> or mcp:<server>/<tool> (server names: 1-32 letters, digits, _ or -)` };
  }
  if (tool !== null && tool.trim() === '') return { kind: 'invalid', message: `"${name}": the tool name after "/" is empty` };
  return { kind: 'mcp', server, tool };
}
