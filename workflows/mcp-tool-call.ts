import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import { publishCallbackUrls } from './publish-callback-urls';
import { withApproval } from './tool-approval';
import type { RequestApprovalOptions } from './approval-options';
import type { JsonValue } from '../protocol/approval-messages';
import type { ToolCallRefused } from '../protocol/tool-approval-messages';

/** Who decides a tool call of the MCP server, and how: every option of `requestApproval` but the action (plain data: it travels in the workflow's input). */
export type McpToolApproval = Omit<RequestApprovalOptions, 'action'>;

/** The input of {@link mcpToolCall}, as the MCP server (`durable-callbacks/mcp`) starts it. */
export interface McpToolCallInput {
  /** The MCP tool's name: it heads the action people approve. */
  tool: string;
  /** The call's id (the workflow id is made from it): the tool call id the approval records. */
  callId: string;
  /** The exact arguments the client called the tool with. */
  arguments: JsonValue;
  /** The name of the activity that does the tool's work (registered on the worker of the tool's task queue); it gets the arguments. */
  activity: string;
  /** Ask a person before the activity runs. Without it the activity runs at once. */
  approval?: McpToolApproval;
  /** The activity's options. Default: `startToCloseTimeout` 5 minutes, Temporal's default retries. */
  activityOptions?: ActivityOptions;
}

const DEFAULT_ACTIVITY_OPTIONS: ActivityOptions = { startToCloseTimeout: '5 minutes' };

/**
 * The ready-made workflow behind an MCP tool of `createMcpServer` (`durable-callbacks/mcp`): it
 * asks for approval of the tool's name and exact arguments (as `withApproval` does for an AI SDK
 * tool: same action, same `durableCallbacks.toolApprovals` record), then runs the activity that
 * does the tool's work once, and returns its result; a call that was not approved returns the
 * {@link ToolCallRefused} the model reads instead. It publishes its callback URLs, so the server
 * learns the approval URL in the round trip that starts it.
 *
 * Register it in your workflows file (`export { mcpToolCall } from 'durable-callbacks/workflows'`)
 * and the tool's activity on the worker of the tool's task queue.
 * @throws `INVALID_CALLBACK_OPTIONS` for approval options `requestApproval` refuses.
 */
export async function mcpToolCall(input: McpToolCallInput): Promise<unknown> {
  publishCallbackUrls();
  const activities = proxyActivities<Record<string, (args: JsonValue) => Promise<unknown>>>({ ...DEFAULT_ACTIVITY_OPTIONS, ...input.activityOptions });
  const run = activities[input.activity]!;
  if (!input.approval) return run(input.arguments);
  const guarded = withApproval({ execute: (args: JsonValue) => run(args) }, { ...input.approval, name: input.tool });
  return (await guarded.execute(input.arguments, { toolCallId: input.callId })) as unknown | ToolCallRefused;
}
