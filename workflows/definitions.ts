import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CallbackDelivery } from './types';

/**
 * The signal the gateway sends for each accepted delivery. Defined once here and imported by
 * workflows, the gateway and tests, so the name cannot drift.
 */
export const deliverCallbackSignal = defineSignal<[CallbackDelivery]>('durableCallbacks.deliver');

/** Query answered by the `awaitCallback` workflow: its callback URL, or null until it is minted. */
export const callbackUrlQuery = defineQuery<string | null>('callbackUrl');
