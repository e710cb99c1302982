import { proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import { webhookEventQuery } from '../protocol/definitions';
import type { WebhookEventInput } from '../protocol/webhook-messages';
import type { WebhookRoutingActivities } from '../protocol/activity-contracts';

/**
 * How a held event reaches its mailbox: retried until it succeeds, since the gateway already
 * answered the provider that the event is held. A regular activity, not a local one: it waits
 * for the mailbox's workflow task, and a local activity would hold this workflow's task slot
 * meanwhile; with many at once, every slot of a worker could wait on tasks no slot is left for.
 */
const { holdWebhookEvent } = proxyActivities<WebhookRoutingActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '30s' },
});

/**
 * Holds one verified provider event: the gateway starts it for each event it accepts, with a
 * workflow id made of the source and a hash of the event's replay id (signed content only), so
 * Temporal itself refuses a second start for a provider's retry or a replayed request.
 *
 * Its first step hands a reference to the mailbox of its (source, key), which answers with the
 * waits to deliver it to now, and signals those waits with the event. It then stays until
 * `heldUntil`, answering `durableCallbacks.webhookEvent` for waits that subscribe later. One event
 * is one small history, whatever the mailbox is doing: while no worker runs, events pile up as
 * separate workflows, never as signals in one history that Temporal's limits would end.
 *
 * Export it from your workflows file on every worker that runs webhook waits, next to `webhookMailbox`.
 */
export async function webhookEvent(input: WebhookEventInput): Promise<void> {
  const { event, heldUntil } = input;
  setHandler(webhookEventQuery, () => event);
  await holdWebhookEvent({ event, heldUntil });
  const left = heldUntil - Date.now();
  if (left > 0) await sleep(left);
}
