/**
 * durable-callbacks' MCP server (Node only): MCP tools that are Temporal workflows, served over
 * Streamable HTTP; a call that needs a person's approval sends the approval URL to the client as a
 * URL-mode elicitation and completes once they decided. Needs `@modelcontextprotocol/sdk`
 * (an optional peer dependency). The tools' ready-made workflow is `mcpToolCall` in
 * `durable-callbacks/workflows`.
 *
 * @packageDocumentation
 */
export { createMcpServer, RESULT_TOOL_NAME, type McpServerOptions, type McpWorkflowTool } from './create-mcp-server';
export { createMcpApp, MCP_SCOPE, type McpApp, type McpAppOptions } from './create-mcp-app';
export { MCP_CALL_ID_META, MCP_CODE_META, MCP_FAILURE_META, MCP_WORKFLOW_ID_META, type McpToolErrorCode } from './mcp-tool-result';
