import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { reassignApprovalUpdate } from '../protocol/definitions';
import type { ApprovalReassignment, ApproverRule } from '../protocol/approval-messages';

/** Why {@link reassignApproval} was refused: the workflow's failure type, or `WORKFLOW_UNAVAILABLE`. */
export type ReassignApprovalErrorCode = 'CALLBACK_UNKNOWN' | 'CALLBACK_CLOSED' | 'INVALID_CALLBACK_OPTIONS' | 'WORKFLOW_UNAVAILABLE';

/**
 * A reassignment the workflow refused before recording anything (`CALLBACK_UNKNOWN`: no such
 * approval; `CALLBACK_CLOSED`: already decided; `INVALID_CALLBACK_OPTIONS`: bad approvers or no
 * reason), or that could not reach it (`WORKFLOW_UNAVAILABLE`: no such running workflow, or no
 * worker answered). `code` is stable; the message says what to do.
 */
export class ReassignApprovalError extends Error {
  override readonly name = 'ReassignApprovalError';
  /** The stable code. */
  readonly code: ReassignApprovalErrorCode;

  constructor(code: ReassignApprovalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

const REFUSALS = new Set<string>(['CALLBACK_UNKNOWN', 'CALLBACK_CLOSED', 'INVALID_CALLBACK_OPTIONS']);

/**
 * Replaces the approvers of one pending approval (an operator's way out when nobody who may
 * decide it can: everyone left, or every member of its group is excluded), recorded with the
 * reason in the approval's record and receipt. Votes already counted stay counted; hand-offs
 * not yet used lapse; the inbox follows the new approvers. An update: it returns once the
 * workflow recorded it.
 *
 * @example
 * ```ts
 * await reassignApproval(client, 'deploy-42', { callbackId, approvers: [{ group: 'sre-leads' }], reason: 'Alice is on leave' });
 * ```
 * @throws {@link ReassignApprovalError} with a stable code when refused or not delivered.
 */
export async function reassignApproval(
  client: Client,
  workflowId: string,
  request: { callbackId: string; approvers: ApproverRule[]; reason: string },
): Promise<ApprovalReassignment> {
  try {
    return await client.workflow.getHandle(workflowId).executeUpdate(reassignApprovalUpdate, { args: [request] });
  } catch (err) {
    const type = err instanceof WorkflowUpdateFailedError ? (err.cause as { type?: unknown } | undefined)?.type : undefined;
    if (typeof type === 'string' && REFUSALS.has(type)) throw new ReassignApprovalError(type as ReassignApprovalErrorCode, (err as WorkflowUpdateFailedError).cause?.message ?? type, { cause: err });
    throw new ReassignApprovalError('WORKFLOW_UNAVAILABLE', `Could not reassign in workflow ${workflowId}: ${(err as Error).message}. Is it running, with a worker for its task queue?`, { cause: err });
  }
}
