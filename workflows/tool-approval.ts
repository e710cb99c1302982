import { log, patched, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import { requestApproval, restoreApproval, type Approval, type ApprovalResult } from './request-approval';
import { rulesOf, type RequestApprovalOptions } from './approval-options';
import { invalidOption } from './durations';
import { scheduledActivities } from './schedule-activity';
import { toolApprovalsQuery } from '../protocol/definitions';
import type { ApprovalActivities, ApprovalRecordToSign } from '../protocol/activity-contracts';
import type { ApprovalAction, ApprovalRules, JsonValue } from '../protocol/approval-messages';
import type { ResumedToolMessage, ToolCallApproval, ToolCallRefused, ToolCallsSnapshot } from '../protocol/tool-approval-messages';

/**
 * What the wrapper needs of the AI SDK's tool-execution options (`ToolExecutionOptions` in `ai`):
 * the id of the model's call. Declared here, structurally, so the workflow entry does not depend
 * on `ai`; the SDK passes more, which the wrapper hands on to your `execute` unchanged.
 */
export interface ToolCallInfo {
  toolCallId: string;
}

/** A model's tool call as the approval policy and hooks see it. */
export interface ToolCallContext extends ToolCallInfo {
  /** The tool's name ({@link ToolApprovalOptions.name}). */
  toolName: string;
}

/**
 * A tool with an `execute` function, as the AI SDK's `tool({ ... })` returns one. Structural, so
 * any AI SDK version whose tools run `execute(input, { toolCallId, ... })` fits.
 */
export interface ExecutableTool {
  execute?: (input: any, options: any) => unknown;
}

/** The input type of a tool's `execute`. */
export type ToolInputOf<T> = T extends { execute?: (input: infer I, ...rest: any[]) => unknown } ? I : never;

/** The output type of a tool's `execute` (the last value, for an `execute` that streams). */
export type ToolOutputOf<T> = T extends { execute?: (...args: any[]) => infer R } ? (R extends AsyncIterable<infer O> ? O : Awaited<R>) : never;

/**
 * The tool {@link withApproval} returns: the same tool, whose `execute` asks for approval first and
 * answers the model with a {@link ToolCallRefused} when the call was not approved.
 */
export type ToolWithApproval<T extends ExecutableTool> = {
  [K in keyof T]: K extends 'execute' ? (input: ToolInputOf<T>, options: ToolCallInfo) => Promise<ToolOutputOf<T> | ToolCallRefused> : T[K];
};

/**
 * Options of {@link withApproval}: who decides and how (everything {@link requestApproval} takes
 * but the action, which the call itself makes), plus the tool's name and the policy.
 */
export interface ToolApprovalOptions<INPUT> extends Omit<RequestApprovalOptions, 'action'> {
  /** The tool's name, as in your `tools: { name: ... }`: it heads the action people approve and is bound into its digest. */
  name: string;
  /** The approval's title for a call (at most 200 characters). Default: the name and the arguments, shortened. */
  title?: (input: INPUT) => string;
  /** A paragraph for the person deciding. Default none. */
  summary?: (input: INPUT) => string;
  /**
   * A policy for calls that need no person (a read-only query): return `true`, or a reason (text),
   * to run the call at once; `false` to ask. A call it approves is recorded as `auto_approved`, with
   * its reason, in the `durableCallbacks.toolApprovals` query and the workflow's log, and (unless
   * `signReceipt: false`) signed before the tool runs as a receipt of a decision by `policy`: the
   * call's action as a person would have seen it, its digest, the rules a person would have been
   * asked under, and the reason. It runs in the workflow: keep it deterministic.
   */
  autoApprove?: (input: INPUT, context: ToolCallContext) => boolean | string;
  /**
   * Called once a person is being asked, with the approval (its `url`) and the call: post the URL
   * where the approvers are. The approval is listed in the inbox of everyone it names either way.
   */
  onApprovalRequested?: (approval: Approval, call: ToolCallContext) => void | Promise<void>;
}

const OWN_OPTIONS = ['name', 'title', 'summary', 'autoApprove', 'onApprovalRequested'] as const;
const TITLE_MAX = 200;
const ARGUMENTS_IN_TITLE = 120;
const DEFAULT_AUTO_APPROVE_REASON = 'approved by the tool policy';
/**
 * The patch that signs a policy's decision before the tool runs: histories recorded before it ran
 * the tool at once, and replay so (`patched` is false there).
 */
const POLICY_RECEIPT_PATCH = 'durable-callbacks/tool-approval/policy-receipt';

/**
 * The patch under which a tool call's approval schedules its activities (minting, signing) as
 * regular activities unless `activitiesWith` says otherwise. A model's parallel calls run side by
 * side, and local activities running side by side are resolved in the order they finish on a
 * first run but in the order they were scheduled on replay: what each call does next would replay
 * in another order (a nondeterminism error, or a result handed to another call). A regular
 * activity's completion is an event in history, replayed in the order it happened. Histories
 * recorded before the patch minted with local activities, and replay so.
 */
const REGULAR_ACTIVITIES_PATCH = 'durable-callbacks/tool-approval/regular-activities';

/** How a tool call's approval schedules its activities: as `options` says, else (under the patch) as regular activities. */
function activitiesWithOf(options: ToolApprovalOptions<any>): RequestApprovalOptions['activitiesWith'] {
  return options.activitiesWith ?? (patched(REGULAR_ACTIVITIES_PATCH) ? 'activity' : undefined);
}

let calls: ToolCallApproval[] | undefined;

/** What {@link resumeToolCalls} needs of a wrapped tool: its name, options and own `execute`. */
interface Guarded {
  name: string;
  options: ToolApprovalOptions<any>;
  execute: NonNullable<ExecutableTool['execute']>;
}
const guardedTools = new WeakMap<object, Guarded>();

/** This workflow's tool calls, with the query that answers them installed on first use. */
function toolCalls(): ToolCallApproval[] {
  if (calls) return calls;
  const list: ToolCallApproval[] = [];
  calls = list;
  setHandler(toolApprovalsQuery, () => list);
  return list;
}

/** The tool calls {@link withApproval} handled in this run so far, pending and decided. */
export function toolApprovals(): readonly ToolCallApproval[] {
  return toolCalls();
}

function shortened(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `undefined` inside the arguments has no JSON form; the digest binds the arguments as JSON. */
function asJson(input: unknown): JsonValue {
  return input === undefined ? null : (JSON.parse(JSON.stringify(input)) as JsonValue);
}

/** The action people approve: the tool and its exact arguments, so the digest (and the receipt) bind what will run. */
function actionOf<INPUT>(options: ToolApprovalOptions<INPUT>, input: INPUT, args: JsonValue): ApprovalAction {
  const title = options.title ? options.title(input) : `${options.name}(${shortened(JSON.stringify(args), ARGUMENTS_IN_TITLE)})`;
  const summary = options.summary?.(input);
  return {
    title: shortened(title, TITLE_MAX),
    ...(summary === undefined ? {} : { summary }),
    details: { tool: options.name, arguments: args },
  };
}

/**
 * Signs the policy's decision on `call` as a receipt and records it on the call: the record a
 * person's decision would have, decided by `policy`, with a stable id of its own (`approvalId`) and
 * the digest the signing activity computed (workflow code cannot hash).
 */
async function signPolicyDecision(call: ToolCallApproval, options: ToolApprovalOptions<any>, action: ApprovalAction, rules: ApprovalRules, reason: string): Promise<void> {
  const info = workflowInfo();
  const id = uuid4();
  const record: ApprovalRecordToSign = {
    version: 1,
    namespace: info.namespace,
    workflowId: info.workflowId,
    executionChain: info.firstExecutionRunId,
    callbackId: id,
    action,
    actionDigest: '',
    outcome: 'approved',
    decidedBy: 'policy',
    votes: [],
    rules,
    ...(options.initiator ? { initiator: options.initiator } : {}),
    requestedAt: call.requestedAt,
    decidedAt: call.requestedAt,
    policy: { reason },
  };
  // Regular activities unless told otherwise: a policy's call often runs beside others that wait for people (see REGULAR_ACTIVITIES_PATCH).
  const activities = scheduledActivities<ApprovalActivities>(options.activitiesWith ?? 'activity', options.activityOptions, 'activitiesWith');
  const signed = await activities.signApprovalReceipt(record);
  call.approvalId = id;
  call.actionDigest = signed.actionDigest;
  call.receipt = signed.receipt;
}

function refusal(name: string, approval: Approval, result: ApprovalResult): ToolCallRefused {
  const outcome = result.outcome as ToolCallRefused['outcome'];
  const rejection = [...result.votes].reverse().find((vote) => vote.decision === 'reject');
  const who = rejection ? (rejection.approver.name ?? rejection.approver.email ?? (rejection.approver.via === 'link' ? 'a link holder' : rejection.approver.subject)) : undefined;
  const reason =
    outcome === 'rejected'
      ? result.decidedBy === 'timeout'
        ? `Nobody approved this call of ${name} in time, so it was rejected; it did not run.`
        : `${who ?? 'An approver'} rejected this call of ${name}; it did not run.`
      : outcome === 'timed_out'
        ? `Nobody decided on this call of ${name} before the approval timed out; it did not run.`
        : `The approval of this call of ${name} was cancelled; it did not run.`;
  return { approved: false, outcome, reason, ...(rejection?.comment ? { comment: rejection.comment } : {}), approvalId: approval.id };
}

async function runTool(execute: NonNullable<ExecutableTool['execute']>, input: unknown, info: ToolCallInfo): Promise<unknown> {
  const out = execute(input, info);
  if (out !== null && typeof out === 'object' && Symbol.asyncIterator in out) {
    let last: unknown;
    for await (const value of out as AsyncIterable<unknown>) last = value;
    return last;
  }
  return await out;
}

/**
 * Wraps an AI SDK tool of an agent that runs as a Temporal workflow (`@temporalio/ai-sdk`) so
 * that each call the model makes waits for a person: the call's tool name and exact arguments
 * become the action of a {@link requestApproval} (the approver sees, and the receipt binds, what
 * will run), and the tool's `execute` runs only once it is approved. A rejected, timed-out or
 * cancelled call does not run: the model gets a {@link ToolCallRefused} result saying so and why,
 * and the agent goes on. Parallel calls each get their own approval; a call with other arguments
 * (a model retry) is a new action with a new approval. `autoApprove` lets a policy run calls that
 * need no person, recorded as such and signed as a receipt of a decision by `policy`.
 *
 * Call it in workflow code (it is sandbox code), where you build the agent's tools.
 *
 * @example
 * ```ts
 * import { generateText, tool } from 'ai';
 * import { temporalProvider } from '@temporalio/ai-sdk/workflow';
 * import { withApproval } from 'durable-callbacks/workflows';
 *
 * const restartService = withApproval(tool({ description, inputSchema, execute: ({ host }) => restart(host) }), {
 *   name: 'restartService',
 *   approvers: [{ group: 'oncall' }],
 *   timeout: '30m',
 * });
 * await generateText({ model: temporalProvider.languageModel('gpt-5'), tools: { restartService }, prompt });
 * ```
 * @throws `INVALID_CALLBACK_OPTIONS` for a tool without `execute`, a missing name, or options
 *   {@link requestApproval} refuses (when the model first calls the tool).
 */
export function withApproval<T extends ExecutableTool>(tool: T, options: ToolApprovalOptions<ToolInputOf<T>>): ToolWithApproval<T> {
  if (typeof options !== 'object' || options === null) throw invalidOption('withApproval takes the tool and options: { name, approvers, … }.');
  if (typeof options.name !== 'string' || options.name.trim().length === 0) throw invalidOption('withApproval needs the tool\'s name (options.name), as in your tools: { name: … }.');
  if ('action' in options) throw invalidOption('withApproval makes the action from each call (the tool and its arguments): leave out options.action.');
  const execute = tool.execute;
  if (typeof execute !== 'function') throw invalidOption(`The tool ${options.name} has no execute function: withApproval guards a tool that runs in the workflow.`);
  const approvalOptions: Record<string, unknown> = { ...options };
  for (const key of OWN_OPTIONS) delete approvalOptions[key];
  // Refused here, where the tools are built: inside a call, the AI SDK would hand the refusal to the model as the tool's error.
  const { rules } = rulesOf({ ...(approvalOptions as Omit<RequestApprovalOptions, 'action'>), action: { title: options.name } });
  const name = options.name;

  const guarded = async (input: ToolInputOf<T>, info: ToolCallInfo): Promise<ToolOutputOf<T> | ToolCallRefused> => {
    const context: ToolCallContext = { toolCallId: info.toolCallId, toolName: name };
    const args = asJson(input);
    const call: ToolCallApproval = { toolCallId: info.toolCallId, tool: name, arguments: args, status: 'pending', executed: false, requestedAt: new Date().toISOString() };
    toolCalls().push(call);
    const policy = options.autoApprove?.(input, context) ?? false;
    if (policy !== false) {
      const reason = typeof policy === 'string' && policy.trim().length > 0 ? policy : DEFAULT_AUTO_APPROVE_REASON;
      call.status = 'auto_approved';
      call.autoApprovedReason = reason;
      log.info('Tool call approved by policy', { tool: name, toolCallId: info.toolCallId, reason });
      // Signed before the tool runs, so no call runs by policy without its receipt.
      if (options.signReceipt !== false && patched(POLICY_RECEIPT_PATCH)) await signPolicyDecision(call, options, actionOf(options, input, args), rules, reason);
    } else {
      const activitiesWith = activitiesWithOf(options);
      const approval = await requestApproval({
        ...(approvalOptions as Omit<RequestApprovalOptions, 'action'>),
        ...(activitiesWith === undefined ? {} : { activitiesWith }),
        action: actionOf(options, input, args),
      });
      call.approvalId = approval.id;
      call.actionDigest = approval.actionDigest;
      await options.onApprovalRequested?.(approval, context);
      const result = await approval.decision();
      call.status = result.outcome;
      if (result.outcome !== 'approved') return refusal(name, approval, result);
    }
    call.executed = true;
    return (await runTool(execute, input, info)) as ToolOutputOf<T>;
  };
  const wrapped = { ...tool, execute: guarded } as ToolWithApproval<T>;
  guardedTools.set(wrapped, { name, options, execute });
  return wrapped;
}

/**
 * The agent's tool calls so far, to carry through continue-as-new with `callbackSnapshot()`:
 * pass it to {@link resumeToolCalls} in the next run. Continue as new while calls wait only by
 * leaving `generateText` (race it with your own condition): a call's approval goes on in the next
 * run, with its URL, votes and digest.
 */
export function toolCallsSnapshot(): ToolCallsSnapshot {
  return { calls: toolCalls().map((call) => ({ ...call })) };
}

/**
 * In the run after continue-as-new (after `restoreCallbacks` of the carried callback snapshot):
 * takes the carried tool calls back into the `toolApprovals` record, waits for each pending one's
 * approval (restored, with its URL and votes), runs the approved ones' tools once, and returns
 * the messages that tell the model what they came to, to append to its conversation. Empty when
 * nothing was pending.
 * @param tools the agent's tools, as given to `generateText` (the pending calls' tools wrapped by {@link withApproval}).
 * @throws `INVALID_CALLBACK_OPTIONS` when a pending call's tool is not among `tools`, wrapped, or its approval was not restored.
 */
export async function resumeToolCalls(tools: Record<string, unknown>, snapshot: ToolCallsSnapshot): Promise<ResumedToolMessage[]> {
  const list = toolCalls();
  const carried = snapshot.calls.map((call) => ({ ...call }));
  list.push(...carried);
  const pending = carried.filter((call) => call.status === 'pending');
  if (pending.length === 0) return [];
  const resumed = pending.map((call) => {
    const tool = tools[call.tool];
    const guarded = typeof tool === 'object' && tool !== null ? guardedTools.get(tool) : undefined;
    if (!guarded) throw invalidOption(`The carried call ${call.toolCallId} of ${call.tool} needs that tool, wrapped by withApproval, among the tools given to resumeToolCalls.`);
    if (!call.approvalId) throw invalidOption(`The carried call ${call.toolCallId} of ${call.tool} has no approval to resume.`);
    const { signReceipt, activityOptions } = guarded.options;
    const activitiesWith = activitiesWithOf(guarded.options);
    const approval = restoreApproval(
      { id: call.approvalId },
      { ...(signReceipt === undefined ? {} : { signReceipt }), ...(activitiesWith === undefined ? {} : { activitiesWith }), ...(activityOptions === undefined ? {} : { activityOptions }) },
    );
    return { call, guarded, approval };
  });
  const outputs = await Promise.all(
    resumed.map(async ({ call, guarded, approval }): Promise<unknown> => {
      const result = await approval.decision();
      call.status = result.outcome;
      if (result.outcome !== 'approved') return refusal(guarded.name, approval, result);
      call.executed = true;
      return runTool(guarded.execute, call.arguments, { toolCallId: call.toolCallId });
    }),
  );
  return [
    { role: 'assistant', content: pending.map((call) => ({ type: 'tool-call', toolCallId: call.toolCallId, toolName: call.tool, input: call.arguments })) },
    { role: 'tool', content: pending.map((call, index) => ({ type: 'tool-result', toolCallId: call.toolCallId, toolName: call.tool, output: { type: 'json', value: asJson(outputs[index]) } })) },
  ];
}
