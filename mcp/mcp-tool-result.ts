import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * Why a tool call of the MCP server ended in a tool error (`isError: true`), in the result's
 * `_meta` under {@link MCP_CODE_META}: a client or test reads the code, never the text.
 * - `URL_ELICITATION_UNSUPPORTED`: the call waits for a person, and the client declared no URL
 *   elicitation to show them the approval URL; the text names the inbox and the call id.
 * - `APPROVAL_URL_DECLINED`: the user declined (or cancelled) opening the approval URL; the
 *   approval still waits, and the call can be picked up again by its id.
 * - `CALL_NOT_FOUND`: no call has that id (`durable_callbacks_result`).
 * - `CALL_FAILED`: the tool's workflow failed (its failure's type in `_meta` under {@link MCP_FAILURE_META}).
 */
export type McpToolErrorCode = 'URL_ELICITATION_UNSUPPORTED' | 'APPROVAL_URL_DECLINED' | 'CALL_NOT_FOUND' | 'CALL_FAILED';

/** The `_meta` key of a tool error's {@link McpToolErrorCode}. */
export const MCP_CODE_META = 'durable-callbacks/code';
/** The `_meta` key of the call's id, on every result of a workflow tool: pass it back as `callId` to pick the call up again. */
export const MCP_CALL_ID_META = 'durable-callbacks/callId';
/** The `_meta` key of the workflow id behind a call. */
export const MCP_WORKFLOW_ID_META = 'durable-callbacks/workflowId';
/** The `_meta` key of a failed workflow's failure type (an `ApplicationFailure`'s `type`, e.g. `INVALID_CALLBACK_OPTIONS`). */
export const MCP_FAILURE_META = 'durable-callbacks/failureType';

/** Whom a result is about: the call id and its workflow. */
export interface CallRef {
  callId: string;
  workflowId: string;
}

function metaOf(call: CallRef, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { [MCP_CALL_ID_META]: call.callId, [MCP_WORKFLOW_ID_META]: call.workflowId, ...extra };
}

/** A completed call: the workflow's result as JSON text (an approved tool's output, or the refusal the model reads). */
export function toolOutput(call: CallRef, output: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(output ?? null) }], _meta: metaOf(call) };
}

/** A note that is no error: the call still waits. */
export function toolNote(call: CallRef, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], _meta: metaOf(call) };
}

/** A tool error with its stable code. */
export function toolError(call: CallRef, code: McpToolErrorCode, text: string, extra: Record<string, unknown> = {}): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }], _meta: metaOf(call, { [MCP_CODE_META]: code, ...extra }) };
}
