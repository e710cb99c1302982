/**
 * The vote drill's workflow: one approval that two distinct people of the group `drill` must
 * approve. Its URL is read with the `callbackUrl` query, as the other drills read theirs.
 */
import { setHandler } from '@temporalio/workflow';
import { requestApproval, type ApprovalResult } from '../../../workflows';
import { callbackUrlQuery } from '../../../protocol/definitions';

/** The group whose members may approve a drill's approval. */
export const DRILL_GROUP = 'drill';

/** Asks for two approvals of drill action `index` and returns the decision. */
export async function approvalDrill(index: number): Promise<ApprovalResult> {
  let url: string | null = null;
  setHandler(callbackUrlQuery, () => url);
  const approval = await requestApproval({
    action: { title: `Drill action ${index}`, details: { index } },
    approvers: [{ group: DRILL_GROUP }],
    quorum: 2,
    timeout: '30m',
  });
  url = approval.url;
  return approval.decision();
}

/** When a {@link reminderDrill}'s one reminder is due, after its request. */
export const REMINDER_AFTER_SECONDS = 30;

/**
 * The reminder drill's workflow: an approval mailed to `to`, reminded once after
 * {@link REMINDER_AFTER_SECONDS}, that anyone holding the link may decide (the drill decides each
 * to end it).
 */
export async function reminderDrill(index: number, to: string): Promise<ApprovalResult> {
  let url: string | null = null;
  setHandler(callbackUrlQuery, () => url);
  const approval = await requestApproval({
    action: { title: `Reminder drill ${index}`, details: { index } },
    allowLinkHolders: true,
    notify: [{ email: { to: [to] } }],
    remind: [`${REMINDER_AFTER_SECONDS} seconds`],
    timeout: '10m',
    signReceipt: false,
  });
  url = approval.url;
  return approval.decision();
}
