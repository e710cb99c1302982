/**
 * durable-callbacks for Temporal clients (Node only): start the ready-made `awaitCallback`
 * workflow and get its URL in one round trip, and inspect or settle any workflow's callbacks as
 * an operator. Uses `@temporalio/client` alone.
 *
 * @packageDocumentation
 */
export { startAwaitCallback, type StartAwaitCallbackOptions, type StartedAwaitCallback } from './start-await-callback';
export { listCallbacks, completeCallback, failCallback, type OperatorDeliveryOptions } from './operate-callbacks';
export { createTemporalClient } from '../temporal-client';
export { loadTemporalConfig, type TemporalConfig } from '../config';
export type { AwaitCallbackInput } from '../../workflows/await-callback';
export type { AwaitCallbackUrl, CallbackInfo, CallbackWaitResult, CallbackFailureInfo, RejectedDelivery } from '../../workflows/types';
// Kept for this repository's tests and drills, which start their own workflows; not part of the documented surface.
export { waitForCallbackUrl, type WaitForCallbackUrlOptions } from './wait-for-callback-url';
