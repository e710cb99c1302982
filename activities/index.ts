/**
 * The minting activity (Node only). Most workers get it through the `durableCallbacks` plugin;
 * build it yourself with {@link createCallbackActivities} to register it by hand.
 */
export { createCallbackActivities, type CallbackActivityDeps } from './generate-callback-url';
export { loadCallbackActivities } from './load-callback-activities';
export { createWebhookActivities } from './webhook-routing';
