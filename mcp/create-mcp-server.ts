import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { ActivityOptions } from '@temporalio/common';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { approvalsQuery, callbackUrlsUpdate } from '../protocol/definitions';
import type { JsonValue } from '../protocol/approval-messages';
import type { McpToolApproval, McpToolCallInput } from '../workflows/mcp-tool-call';
import { MCP_FAILURE_META, toolError, toolNote, toolOutput, type CallRef } from './mcp-tool-result';

/** The ready-made workflow a tool with an `activity` runs (`mcpToolCall` of `durable-callbacks/workflows`). */
const MCP_TOOL_CALL_WORKFLOW = 'mcpToolCall';
/** The name of the tool that picks a call up by its id. */
export const RESULT_TOOL_NAME = 'durable_callbacks_result';
const DEFAULT_WORKFLOW_ID_PREFIX = 'mcp-call:';
const DEFAULT_PROGRESS_INTERVAL_MS = 15_000;
const CALL_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** How long the user may take to agree to open the approval URL (the client's answer to the elicitation), not to decide. */
const ELICITATION_ANSWER_TIMEOUT_MS = 10 * 60_000;

/**
 * An MCP tool that is a Temporal workflow. Either `activity` (the ready-made `mcpToolCall`
 * workflow asks `approval`, when given, for the call's exact arguments, then runs that activity
 * once) or `workflowType` (your own workflow; it gets a {@link McpToolCallInput} without
 * `activity`, and asks for approval with `requestApproval` after calling `publishCallbackUrls()`).
 */
export interface McpWorkflowTool {
  /** The tool's name, as the client calls it. */
  name: string;
  /** A human-readable title. */
  title?: string;
  /** What the tool does, for the model. */
  description: string;
  /** The arguments, as a zod object shape (`{ host: z.string() }`); the server adds an optional `callId`. */
  inputSchema: z.ZodRawShape;
  /** The task queue of the worker that runs the tool's workflow and activity. */
  taskQueue: string;
  /** The activity that does the tool's work, run by the ready-made `mcpToolCall` workflow. */
  activity?: string;
  /** Your own workflow type instead of `activity`. */
  workflowType?: string;
  /** With `activity`: ask a person first (`approvers`, `timeout`, `allowLinkHolders`, ...: `requestApproval`'s options). */
  approval?: McpToolApproval;
  /** With `activity`: the activity's options (default `startToCloseTimeout` 5 minutes). */
  activityOptions?: ActivityOptions;
}

/** Options of {@link createMcpServer}. */
export interface McpServerOptions {
  /** The Temporal client that starts the tools' workflows. */
  client: Client;
  /** The tools. */
  tools: McpWorkflowTool[];
  /** The gateway's inbox (`https://gateway.example.com/inbox`): where approvers decide when a client cannot open the approval URL. */
  inboxUrl: string;
  /** The server's name and version in the MCP handshake. Default `durable-callbacks`, `0.1.0`. */
  serverInfo?: { name: string; version: string };
  /** Prefix of the tools' workflow ids (`<prefix><callId>`). Default `mcp-call:`. */
  workflowIdPrefix?: string;
  /** While a call waits, how often to send a progress notification when the client gave a progress token (ms). Default 15 s. */
  progressIntervalMs?: number;
  /** Aborted when the connection this server serves closes: its calls stop waiting (their workflows go on). */
  signal?: AbortSignal;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** How a call ended its wait: the workflow's result, or a pending approval and its URL. */
type Progress = { kind: 'done'; output: unknown } | { kind: 'failed'; error: WorkflowFailedError } | { kind: 'approval'; url: string; callbackId: string; title: string };

class Aborted extends Error {}

function describeFailure(error: WorkflowFailedError): { message: string; type?: string } {
  const cause = error.cause as (Error & { type?: string }) | undefined;
  return { message: cause?.message ?? error.message, ...(cause?.type ? { type: cause.type } : {}) };
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(new Aborted());
    signal.addEventListener('abort', () => reject(new Aborted()), { once: true });
  });
}

/**
 * Builds an MCP server (`McpServer` of `@modelcontextprotocol/sdk`) whose tools are Temporal
 * workflows. A call starts the tool's workflow under an id made from the call's `callId`
 * (an optional argument every tool takes; a fresh one when absent, returned in each result's
 * `_meta`), so calling again with the same `callId` picks up the same workflow, never a second
 * one. When the workflow asks a person, the server sends the approval URL to the client as a
 * URL-mode elicitation (`elicitation/create`, `mode: 'url'`), waits for the workflow's result
 * (the workflow is what waits, durably: a restarted server or a reconnecting client loses
 * nothing), sends `notifications/elicitation/complete`, and completes the call with the result:
 * the tool's output, or the refusal (`{ approved: false, outcome, reason }`) the model reads. A
 * client that declared no URL elicitation gets a tool error naming the inbox and the call id at
 * once. The tool `durable_callbacks_result` answers a call's result by its id, or says it waits.
 *
 * One server serves one connection (an MCP session); `createMcpApp` makes one per session.
 */
export function createMcpServer(options: McpServerOptions): McpServer {
  const { client, inboxUrl } = options;
  const prefix = options.workflowIdPrefix ?? DEFAULT_WORKFLOW_ID_PREFIX;
  const progressIntervalMs = options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
  const server = new McpServer(options.serverInfo ?? { name: 'durable-callbacks', version: '0.1.0' });
  const names = new Set<string>();
  for (const tool of options.tools) {
    if (names.has(tool.name) || tool.name === RESULT_TOOL_NAME) throw new TypeError(`Two tools are named ${tool.name}: each MCP tool needs its own name.`);
    names.add(tool.name);
    if (Boolean(tool.activity) === Boolean(tool.workflowType)) throw new TypeError(`The tool ${tool.name} needs either an activity (run by mcpToolCall) or a workflowType, not both.`);
    if ('callId' in tool.inputSchema) throw new TypeError(`The tool ${tool.name} has its own callId argument: the server adds callId to every tool.`);
  }

  const callRef = (callId: string): CallRef => ({ callId, workflowId: `${prefix}${callId}` });
  const resumeHint = (call: CallRef, toolName: string) =>
    `Pick the call up again with callId "${call.callId}" (call ${toolName} again with that callId, or ${RESULT_TOOL_NAME} with it).`;

  /** Starts the call's workflow, or finds the one already started under its id (running or closed). */
  async function startCall(tool: McpWorkflowTool, call: CallRef, args: JsonValue): Promise<WorkflowHandle> {
    const input: Omit<McpToolCallInput, 'activity'> & Partial<McpToolCallInput> = {
      tool: tool.name,
      callId: call.callId,
      arguments: args,
      ...(tool.activity ? { activity: tool.activity } : {}),
      ...(tool.approval ? { approval: tool.approval } : {}),
      ...(tool.activityOptions ? { activityOptions: tool.activityOptions } : {}),
    };
    try {
      return await client.workflow.start(tool.workflowType ?? MCP_TOOL_CALL_WORKFLOW, {
        taskQueue: tool.taskQueue,
        workflowId: call.workflowId,
        args: [input],
        // A running call is picked up; a closed one is answered, never run again.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(call.workflowId);
      throw err;
    }
  }

  /** The workflow's result, or its pending approval's URL, whichever comes first. */
  async function nextStep(handle: WorkflowHandle, signal: AbortSignal): Promise<Progress> {
    const result: Promise<Progress> = handle.result().then(
      (output): Progress => ({ kind: 'done', output }),
      (err: unknown): Progress => {
        if (err instanceof WorkflowFailedError) return { kind: 'failed', error: err };
        throw err;
      },
    );
    // The URLs come from the workflow's own update (publishCallbackUrls); a workflow that asks nobody never answers it.
    const approval = (async (): Promise<Progress | undefined> => {
      try {
        const published = await handle.executeUpdate(callbackUrlsUpdate, { args: [{}] });
        const pending = (await handle.query(approvalsQuery)).find((report) => report.status === 'pending');
        if (!pending) return undefined;
        const minted = Object.values(published.callbacks).find((each) => each.callbackId === pending.callbackId);
        return minted ? { kind: 'approval', url: minted.url, callbackId: pending.callbackId, title: pending.action.title } : undefined;
      } catch {
        return undefined;
      }
    })();
    const first = await Promise.race([result, approval.then((found) => found ?? result), untilAborted(signal)]);
    void result.catch(() => undefined);
    return first;
  }

  function finished(call: CallRef, step: Extract<Progress, { kind: 'done' | 'failed' }>): CallToolResult {
    if (step.kind === 'done') return toolOutput(call, step.output);
    const failure = describeFailure(step.error);
    return toolError(call, 'CALL_FAILED', `The call failed: ${failure.message}`, failure.type ? { [MCP_FAILURE_META]: failure.type } : {});
  }

  /** While the call waits: progress notifications, when the client asked for them, so its request timeout can reset. */
  function heartbeat(extra: Extra, message: string): () => void {
    const progressToken = extra._meta?.progressToken;
    if (progressToken === undefined) return () => undefined;
    let progress = 0;
    const timer = setInterval(() => {
      progress += 1;
      void extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, message } }).catch(() => undefined);
    }, progressIntervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async function runCall(tool: McpWorkflowTool, callId: string, args: JsonValue, extra: Extra): Promise<CallToolResult> {
    const call = callRef(callId);
    const signal = options.signal ? AbortSignal.any([extra.signal, options.signal]) : extra.signal;
    const stop = heartbeat(extra, `${tool.name} is running or waiting for a person`);
    try {
      return await waitForCall(tool, call, args, extra, signal);
    } finally {
      stop();
    }
  }

  async function waitForCall(tool: McpWorkflowTool, call: CallRef, args: JsonValue, extra: Extra, signal: AbortSignal): Promise<CallToolResult> {
    const handle = await startCall(tool, call, args);
    const step = await nextStep(handle, signal);
    if (step.kind !== 'approval') return finished(call, step);

    const inbox = `Approvers decide from the inbox at ${inboxUrl} (sign in there).`;
    if (!server.server.getClientCapabilities()?.elicitation?.url) {
      return toolError(
        call,
        'URL_ELICITATION_UNSUPPORTED',
        `This call of ${tool.name} waits for a person's approval ("${step.title}"), and this MCP client cannot open the approval URL for its user ` +
          `(it declared no URL elicitation). ${inbox} ${resumeHint(call, tool.name)}`,
      );
    }
    const elicitationId = `${call.workflowId}/${step.callbackId}`;
    const answer = await server.server.elicitInput(
      { mode: 'url', message: `Approve or reject: ${step.title}`, url: step.url, elicitationId },
      { relatedRequestId: extra.requestId, signal, timeout: ELICITATION_ANSWER_TIMEOUT_MS },
    );
    if (answer.action !== 'accept') {
      return toolError(call, 'APPROVAL_URL_DECLINED', `The approval URL was not opened (${answer.action}); the approval still waits. ${inbox} ${resumeHint(call, tool.name)}`);
    }
    const outcome = await Promise.race([
      handle.result().then(
        (output): Progress => ({ kind: 'done', output }),
        (err: unknown): Progress => {
          if (err instanceof WorkflowFailedError) return { kind: 'failed', error: err };
          throw err;
        },
      ),
      untilAborted(signal),
    ]);
    await server.server.createElicitationCompletionNotifier(elicitationId, { relatedRequestId: extra.requestId })().catch(() => undefined);
    return finished(call, outcome as Extract<Progress, { kind: 'done' | 'failed' }>);
  }

  const callIdSchema = z.string().regex(CALL_ID_PATTERN, 'letters, digits and . _ : - (at most 128)');
  for (const tool of options.tools) {
    const inputSchema = {
      ...tool.inputSchema,
      callId: callIdSchema.optional().describe('This call\'s id, unique per call (your tool-call id). Calling again with the same id picks the same call up, never runs it twice.'),
    };
    server.registerTool(tool.name, { ...(tool.title ? { title: tool.title } : {}), description: tool.description, inputSchema }, (async (input: Record<string, unknown>, extra: Extra) => {
      const { callId, ...args } = input;
      try {
        return await runCall(tool, typeof callId === 'string' ? callId : randomUUID(), JSON.parse(JSON.stringify(args)) as JsonValue, extra);
      } catch (err) {
        if (err instanceof Aborted) throw new Error('The connection closed; the call goes on: pick it up again by its callId.');
        throw err;
      }
    }) as never);
  }

  server.registerTool(
    RESULT_TOOL_NAME,
    {
      description: 'The result of an earlier tool call, by its callId: the result when it is done, or a note that it still waits (e.g. for a person\'s approval).',
      inputSchema: { callId: callIdSchema },
    },
    (async ({ callId }: { callId: string }) => {
      const call = callRef(callId);
      const handle = client.workflow.getHandle(call.workflowId);
      let status: string;
      try {
        status = (await handle.describe()).status.name;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return toolError(call, 'CALL_NOT_FOUND', `No call has the callId "${callId}".`);
        throw err;
      }
      if (status === 'RUNNING') {
        const pending = (await handle.query(approvalsQuery).catch(() => [])).find((report) => report.status === 'pending');
        return toolNote(
          call,
          pending
            ? `The call still waits for a person's approval ("${pending.action.title}"). Approvers decide from the inbox at ${inboxUrl}. Ask again later with the same callId.`
            : 'The call is still running. Ask again later with the same callId.',
        );
      }
      try {
        return toolOutput(call, await handle.result());
      } catch (err) {
        if (err instanceof WorkflowFailedError) return finished(call, { kind: 'failed', error: err });
        throw err;
      }
    }) as never,
  );
  return server;
}
