import { proxyActivities, uuid4 } from '@temporalio/workflow';
import { waitForWebhook } from '../../workflows';

export { webhookMailbox } from '../../workflows';

/** What the example's activity does: post a message with Approve and Reject buttons whose `value` carries the key. */
export interface SlackApprovalActivities {
  postApprovalMessage(input: { channel: string; text: string; approveValue: string; rejectValue: string }): Promise<void>;
}

const { postApprovalMessage } = proxyActivities<SlackApprovalActivities>({ startToCloseTimeout: '30s' });

/**
 * Asks for an approval in Slack and waits for the click: the buttons' values are
 * `approve:<id>` and `reject:<id>`, and the gateway's `slack` source keys `block_actions` by
 * `{/actions/0/value}`, so each click is routed to this workflow alone.
 */
export async function slackApproval(input: { channel: string; text: string }): Promise<'approved' | 'rejected' | 'timed_out'> {
  const id = uuid4();
  await postApprovalMessage({ channel: input.channel, text: input.text, approveValue: `approve:${id}`, rejectValue: `reject:${id}` });
  const [approve, reject] = [`approve:${id}`, `reject:${id}`].map((key) => waitForWebhook({ source: 'slack', event: 'block_actions', key, timeout: '1d' }));
  const first = await Promise.race([approve!.then((r) => ({ r, approved: true })), reject!.then((r) => ({ r, approved: false }))]);
  if (first.r.status !== 'received') return 'timed_out';
  return first.approved ? 'approved' : 'rejected';
}
