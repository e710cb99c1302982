import { defineQuery, setHandler } from '@temporalio/workflow';
import { createWebhookWait } from '../../../workflows';
import type { CallbackWaitResult } from '../../../protocol/callback-messages';
import type { WebhookWaitOptions } from '../../../workflows/types';

/**
 * The workflows of the webhook drill's worker (`faults/support/webhook-worker.ts`): a waiter that
 * waits once for a provider's event by key, and the `webhookMailbox` the gateway and the waiters'
 * subscriptions start on the same task queue.
 */
export { webhookEvent, webhookMailbox } from '../../../workflows';

/** Answers true once the waiter's mailbox has its subscription (the `subscribeWebhook` activity returned). */
export const subscribedQuery = defineQuery<boolean>('faults.subscribed');

/** What a {@link webhookWaiter} waits for. */
export interface WebhookWaiterInput {
  source: string;
  event: string;
  key: string;
  timeout: WebhookWaitOptions['timeout'];
}

/** Subscribes to (source, key) for one event of type `event`, and returns how the wait ended. */
export async function webhookWaiter(input: WebhookWaiterInput): Promise<CallbackWaitResult> {
  let subscribed = false;
  setHandler(subscribedQuery, () => subscribed);
  const wait = await createWebhookWait({ source: input.source, event: input.event, key: input.key, timeout: input.timeout });
  subscribed = true;
  return wait.wait();
}
