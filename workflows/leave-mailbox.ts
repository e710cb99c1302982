import { condition, patched } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { CallbackEntry } from './callback-registry';
import { scheduledActivities } from './schedule-activity';
import type { WebhookActivities } from '../protocol/activity-contracts';

/** Attempts at telling a mailbox a wait is over; past them, the mailbox drops the waiter at its expiry or when its workflow is gone. */
const UNSUBSCRIBE_ATTEMPTS = 3;

/**
 * The patch under which a `once` wait its mailbox served sends no unsubscription: the mailbox
 * drops a `once` subscriber as soon as its signal lands, so the activity only held the
 * workflow's next step back. Runs recorded before it still replay the activity.
 */
const SERVED_ONCE_NEEDS_NO_UNSUBSCRIBE = 'durable-callbacks/served-once-wait-needs-no-unsubscribe';

/**
 * Once a webhook wait's entry leaves `pending` (timed out, revoked, closed, failed, or a stream
 * that got what it waited for), runs the `unsubscribeWebhook` activity so its mailbox stops
 * signalling this workflow, and can complete when nobody else waits there. A `once` wait that
 * received its event needs none: the mailbox dropped it when it delivered. Best effort: a
 * failure is ignored, and a workflow that completes in the same task may never send it; the
 * mailbox then drops the subscription on its next delivery (the workflow is gone) or at its expiry.
 */
export function leaveMailboxWhenClosed(entry: CallbackEntry, how?: 'activity' | 'localActivity', overrides?: ActivityOptions): void {
  const { webhook } = entry;
  if (!webhook || entry.status !== 'pending') return;
  const retry = { ...overrides?.retry, maximumAttempts: UNSUBSCRIBE_ATTEMPTS };
  const activities = scheduledActivities<WebhookActivities>(how, { ...overrides, retry }, 'subscribeWith');
  void condition(() => entry.status !== 'pending')
    .then(() => {
      if (entry.mode === 'once' && entry.status === 'completed' && patched(SERVED_ONCE_NEEDS_NO_UNSUBSCRIBE)) return;
      return activities.unsubscribeWebhook({ source: webhook.source, key: webhook.key, callbackId: entry.id });
    })
    .catch(() => undefined);
}
