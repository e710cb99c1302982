import { proxyActivities, uuid4 } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { waitForWebhook } from '../../workflows';
import type { SlackApprovalActivities } from './activities';

export { webhookEvent, webhookMailbox } from '../../workflows';

const { postApprovalMessage } = proxyActivities<SlackApprovalActivities>({ startToCloseTimeout: '30s' });

/** Input of {@link slackApproval}. */
export interface SlackApprovalInput {
  channel: string;
  text: string;
  /** How long to wait for a click. Default one day. */
  timeout?: Duration;
}

/** How the approval ended: who clicked which button, or nobody in time. */
export type SlackApprovalResult =
  | { status: 'approved' | 'rejected'; by: string; clickedAt: string }
  | { status: 'timed_out' };

/** The parts of Slack's `block_actions` payload the workflow reads. */
interface BlockActions {
  user: { id: string };
  actions: Array<{ action_id: string; value: string }>;
}

/**
 * Asks for an approval in Slack and waits for the click. Both buttons carry the same value,
 * `approval:<id>`, and the gateway's `slack` source keys `block_actions` by
 * `{/actions/0/value}`, so a click on either is routed to this workflow alone; the button's
 * `action_id` says which it was, the payload's user who clicked.
 */
export async function slackApproval(input: SlackApprovalInput): Promise<SlackApprovalResult> {
  const key = `approval:${uuid4()}`;
  await postApprovalMessage({ channel: input.channel, text: input.text, value: key });
  const click = await waitForWebhook<BlockActions>({ source: 'slack', event: 'block_actions', key, timeout: input.timeout ?? '1d' });
  if (click.status !== 'received') return { status: 'timed_out' };
  const approved = click.data.actions[0]?.action_id === 'approve';
  return { status: approved ? 'approved' : 'rejected', by: click.data.user.id, clickedAt: click.receivedAt };
}
