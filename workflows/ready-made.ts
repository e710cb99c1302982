/**
 * The workflows `durable-callbacks worker` runs by default: the ready-made `awaitCallback`, and
 * the `webhookMailbox` that the gateway starts on this worker's task queue for a provider's event
 * that arrives before any wait subscribed to it.
 */
export { awaitCallback } from './await-callback';
export { webhookMailbox } from './webhook-mailbox';
