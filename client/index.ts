/**
 * durable-callbacks for Temporal clients (Node only): start the ready-made `awaitCallback`
 * workflow, or any workflow that calls `publishCallbackUrls()`, and get its URL in one round trip, inspect or settle any workflow's callbacks as an
 * operator, and install the payload codec with the same plugin workers use. Never loads
 * `@temporalio/worker` (the protocol's definitions come from `@temporalio/workflow`, which is
 * plain JavaScript).
 *
 * @packageDocumentation
 */
export { startAwaitCallback, type StartAwaitCallbackOptions, type StartedAwaitCallback } from './start-await-callback';
export {
  startWithCallbackUrl,
  CallbackUrlNotMintedError,
  type StartWithCallbackUrlOptions,
  type StartedWithCallbackUrl,
  type CallbackUrlOptions,
} from './start-with-callback-url';
export { listCallbacks, completeCallback, failCallback, type OperatorDeliveryOptions } from './operate-callbacks';
export { createTemporalClient } from './create-temporal-client';
export { loadTemporalConfig, type TemporalConfig } from '../config/temporal-config';
export type { AwaitCallbackInput } from '../workflows/await-callback';
export type { AwaitCallbackUrl, MintedCallbackUrl, PublishedCallbackUrls, CallbackInfo, CallbackWaitResult, CallbackFailureInfo, RejectedDelivery } from '../protocol/callback-messages';
