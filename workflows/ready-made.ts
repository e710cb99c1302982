/**
 * The workflows `durable-callbacks worker` runs by default: the ready-made `awaitCallback`, the
 * `webhookEvent` the gateway starts on this worker's task queue for each provider event it
 * accepts, the `webhookMailbox` where those events meet the waits for their key, and the
 * `standingDelegations` that hold out-of-office delegations for approvals.
 */
export { awaitCallback } from './await-callback';
export { webhookEvent } from './webhook-event';
export { webhookMailbox } from './webhook-mailbox';
export { standingDelegations } from './standing-delegations';
