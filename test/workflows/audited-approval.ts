import { condition, continueAsNew, defineSignal, setHandler } from '@temporalio/workflow';
import { callbackSnapshot, requestApproval, restoreApproval, restoreCallbacks, type Approval, type ApprovalAction, type ApprovalResult, type CallbackSnapshot, type RequestApprovalOptions } from '../../workflows';
import { callbackUrlQuery } from '../../protocol/definitions';

/** Cancels an {@link auditedApproval} started with `cancelOnRelease`. */
export const cancelApprovalSignal = defineSignal('cancelApproval');

/** Input of {@link auditedApproval}: `requestApproval`'s options, and whether to cancel instead of waiting. */
/** Changes an {@link auditedApproval}'s action to the one it was started with as `changeTo`. */
export const changeActionSignal = defineSignal('changeAction');

export interface AuditedApprovalInput extends RequestApprovalOptions {
  /** The action `changeAction` changes to. */
  changeTo?: ApprovalAction;
  /** Cancel the request when `cancelApproval` is signalled, instead of waiting for the votes. */
  cancelOnRelease?: boolean;
}

/** One approval request: its URL via `callbackUrl`, its state via `durableCallbacks.approvals`; returns its decision. */
export async function auditedApproval(input: AuditedApprovalInput): Promise<ApprovalResult> {
  let url: string | null = null;
  setHandler(callbackUrlQuery, () => url);
  const { cancelOnRelease, changeTo, ...options } = input;
  const approval = await requestApproval(options);
  url = approval.url;
  if (changeTo) setHandler(changeActionSignal, async () => void (url = await approval.changeAction(changeTo)));
  if (cancelOnRelease) {
    setHandler(cancelApprovalSignal, () => approval.cancel());
    await condition(() => approval.status !== 'pending');
  }
  return approval.decision();
}

/** Makes a {@link rollingApproval} continue as new, carrying its approval. */
export const rollSignal = defineSignal('roll');

/** Input of {@link rollingApproval}: the request's options, and the snapshot a previous run carried. */
export interface RollingApprovalInput {
  options: RequestApprovalOptions;
  snapshot?: CallbackSnapshot;
}

/** An approval that continues as new on `roll` (once), carrying its callback, and decides in the next run. */
export async function rollingApproval(input: RollingApprovalInput): Promise<ApprovalResult & { run: number }> {
  let url: string | null = null;
  let roll = false;
  setHandler(callbackUrlQuery, () => url);
  setHandler(rollSignal, () => void (roll = true));
  let approval: Approval;
  if (input.snapshot) {
    const [restored] = restoreCallbacks(input.snapshot);
    approval = restoreApproval(restored!, { signReceipt: input.options.signReceipt });
  } else {
    approval = await requestApproval(input.options);
  }
  url = approval.url;
  if (!input.snapshot) {
    await condition(() => roll || approval.status !== 'pending');
    if (roll) await continueAsNew<typeof rollingApproval>({ options: input.options, snapshot: callbackSnapshot() });
  }
  return { ...(await approval.decision()), run: input.snapshot ? 2 : 1 };
}
