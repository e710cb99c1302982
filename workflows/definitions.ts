import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CallbackDelivery, CallbackInfo, SyncDeliveryResult } from './types';

/**
 * The signal, update and queries between the gateway and a workflow. Defined once here and
 * imported by workflows, the gateway and tests, so the names cannot drift.
 */

/** Sent by the gateway for each accepted delivery (the default, durable path: `202`). */
export const deliverCallbackSignal = defineSignal<[CallbackDelivery]>('durableCallbacks.deliver');

/**
 * Sent by the gateway when a sender asks for a synchronous answer (`Prefer: wait=N`): its
 * validator refuses what the workflow would not take, its result is the workflow's reply.
 */
export const deliverCallbackUpdate = defineUpdate<SyncDeliveryResult, [CallbackDelivery]>('durableCallbacks.deliverSync');

/** Lists the workflow's callbacks: ids, statuses, deliveries, progress, refusals; never URLs or keys. */
export const callbacksQuery = defineQuery<CallbackInfo[]>('durableCallbacks.callbacks');

/** Query answered by the `awaitCallback` workflow: its callback URL, or null until it is minted. */
export const callbackUrlQuery = defineQuery<string | null>('callbackUrl');

/** Failure types the update validator raises; the gateway maps each to one HTTP status. */
export const SYNC_REJECTION_TYPES = {
  already_completed: 'CALLBACK_ALREADY_COMPLETED',
  callback_closed: 'CALLBACK_CLOSED',
  unknown_callback: 'CALLBACK_CLOSED',
  invalid_payload: 'CALLBACK_PAYLOAD_INVALID',
  invalid_failure: 'CALLBACK_FAILURE_INVALID',
} as const;
