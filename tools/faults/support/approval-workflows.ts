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
