/** Helpers for code outside workflows that works with callbacks (Node only). */
export { waitForCallbackUrl, type WaitForCallbackUrlOptions } from './wait-for-callback-url';
export { listCallbacks, completeCallback, failCallback, type OperatorDeliveryOptions } from './operate-callbacks';
