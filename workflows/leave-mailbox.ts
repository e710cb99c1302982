import { condition } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { CallbackEntry } from './callback-registry';
import { scheduledActivities } from './schedule-activity';
import type { WebhookActivities } from './types';

/** Attempts at telling a mailbox a wait is over; past them, the mailbox drops the waiter at its expiry or when its workflow is gone. */
const UNSUBSCRIBE_ATTEMPTS = 3;

/**
 * Once a webhook wait's entry leaves `pending` (received, timed out, revoked, closed, failed),
 * runs the `unsubscribeWebhook` activity so its mailbox stops signalling this workflow, and can
 * complete when nobody else waits there. Best effort: a failure is ignored, and a workflow that
 * completes in the same task may never send it; the mailbox then drops the subscription on its
 * next delivery (the workflow is gone) or at its expiry.
 */
export function leaveMailboxWhenClosed(entry: CallbackEntry, how?: 'activity' | 'localActivity', overrides?: ActivityOptions): void {
  const { webhook } = entry;
  if (!webhook || entry.status !== 'pending') return;
  const retry = { ...overrides?.retry, maximumAttempts: UNSUBSCRIBE_ATTEMPTS };
  const activities = scheduledActivities<WebhookActivities>(how, { ...overrides, retry }, 'subscribeWith');
  void condition(() => entry.status !== 'pending')
    .then(() => activities.unsubscribeWebhook({ source: webhook.source, key: webhook.key, callbackId: entry.id }))
    .catch(() => undefined);
}
