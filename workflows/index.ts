/**
 * Workflow helpers for durable callbacks: import these in your own workflow code.
 * Everything here is safe inside Temporal's workflow sandbox.
 *
 * @example
 * ```ts
 * import { createCallback } from 'durable-callbacks/workflows';
 *
 * const callback = await createCallback({ expiresIn: '2h' });
 * await createTicket({ title, callbackUrl: callback.url });
 * const result = await callback.wait({ timeout: '1h' });
 * if (result.status === 'received') use(result.data);
 * ```
 */
export { createCallback, DEFAULT_EXPIRES_IN, EXPIRY_GRACE_MS, MAX_EXPIRES_IN_MS, DEFAULT_MINT_ACTIVITY_OPTIONS } from './create-callback';
export { deliverCallbackSignal, callbackUrlQuery } from './definitions';
export type * from './types';
