import { condition, defineSignal, setHandler } from '@temporalio/workflow';
import { requestApproval, type ApprovalResult, type RequestApprovalOptions } from '../../workflows';
import { callbackUrlQuery } from '../../protocol/definitions';

/** Cancels an {@link auditedApproval} started with `cancelOnRelease`. */
export const cancelApprovalSignal = defineSignal('cancelApproval');

/** Input of {@link auditedApproval}: `requestApproval`'s options, and whether to cancel instead of waiting. */
export interface AuditedApprovalInput extends RequestApprovalOptions {
  /** Cancel the request when `cancelApproval` is signalled, instead of waiting for the votes. */
  cancelOnRelease?: boolean;
}

/** One approval request: its URL via `callbackUrl`, its state via `durableCallbacks.approvals`; returns its decision. */
export async function auditedApproval(input: AuditedApprovalInput): Promise<ApprovalResult> {
  let url: string | null = null;
  setHandler(callbackUrlQuery, () => url);
  const { cancelOnRelease, ...options } = input;
  const approval = await requestApproval(options);
  url = approval.url;
  if (cancelOnRelease) {
    setHandler(cancelApprovalSignal, () => approval.cancel());
    await condition(() => approval.status !== 'pending');
  }
  return approval.decision();
}
