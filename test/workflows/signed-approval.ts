import { ActivityFailure, ApplicationFailure, condition, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ApprovalActivities, SignedApprovalReceipt } from '../../protocol/activity-contracts';
import type { ApprovalRecord, ApprovalReport } from '../../protocol/approval-messages';
import { approvalsQuery } from '../../protocol/definitions';

/** The tests' `release` signal (as `releaseSignal` in ./index, which re-exports this file). */
const releaseSignal = defineSignal('release');

/** Input of {@link signedApproval}. */
export interface SignedApprovalInput {
  /** The record to sign; its namespace, workflow id and execution chain are this workflow's. */
  record: ApprovalRecord;
  /** An approval still pending, reported before the decided one. */
  pending?: ApprovalReport;
  /** Sign a record naming this workflow id instead of its own (the activity must refuse). */
  workflowIdInRecord?: string;
}

const { signApprovalReceipt } = proxyActivities<ApprovalActivities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 3 } });

/**
 * Stands in for `requestApproval` until it is on this branch: signs a decided approval's record
 * with the plugin's `signApprovalReceipt` activity, then answers the `approvalsQuery` as a
 * workflow with one pending and one decided approval would, until `release`. Returns the signed
 * receipt, or the type of the activity's refusal.
 */
export async function signedApproval(input: SignedApprovalInput): Promise<SignedApprovalReceipt | { refused: string }> {
  const info = workflowInfo();
  const record: ApprovalRecord = { ...input.record, namespace: info.namespace, workflowId: input.workflowIdInRecord ?? info.workflowId, executionChain: info.firstExecutionRunId };
  let reports: ApprovalReport[] = input.pending ? [input.pending] : [];
  let released = false;
  setHandler(approvalsQuery, () => reports);
  setHandler(releaseSignal, () => void (released = true));
  let signed: SignedApprovalReceipt;
  try {
    signed = await signApprovalReceipt(record);
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return { refused: err.cause.type ?? 'unknown' };
    throw err;
  }
  reports = [
    ...reports,
    { callbackId: record.callbackId, status: record.outcome, action: record.action, actionDigest: record.actionDigest, rules: record.rules, votes: record.votes, requestedAt: record.requestedAt, record, receipt: signed.receipt },
  ];
  await condition(() => released);
  return signed;
}
