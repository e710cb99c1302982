/**
 * Workflow helpers for durable callbacks: import these in your own workflow code.
 * Everything here is safe inside Temporal's workflow sandbox.
 *
 * @example
 * ```ts
 * import { createCallback } from '../workflows';
 *
 * const callback = await createCallback({ timeout: '2h' });
 * await createTicket({ title, callbackUrl: callback.url });
 * const result = await callback.wait();
 * if (result.status === 'received') use(result.data);
 * ```
 */
export {
  createCallback,
  callbackSnapshot,
  restoreCallbacks,
  DEFAULT_EXPIRES_IN,
  EXPIRY_MARGIN_MS,
  MAX_EXPIRES_IN_MS,
  DEFAULT_MINT_ACTIVITY_OPTIONS,
  DEFAULT_MINT_LOCAL_ACTIVITY_OPTIONS,
  DEFAULT_MINT_WITH,
  type RestoreOptions,
} from './create-callback';
export { EXPIRY_GRACE_MS } from './callback-handle';
export { WAITING_SEARCH_ATTRIBUTE, markWaitingForCallbacks } from './waiting-attribute';
export { MAX_REJECTIONS_KEPT } from './callback-registry';
export { MAX_TITLE_LENGTH, MAX_DESCRIPTION_LENGTH, MAX_FORM_FIELDS, MAX_SELECT_OPTIONS } from './page-options';
export { waitForQuorum, waitForAny, waitForAll, type QuorumOptions, type QuorumResult, type QuorumAnswer } from './wait-for-many';
export { deliverCallbackSignal, deliverCallbackUpdate, callbacksQuery, callbackUrlQuery, SYNC_REJECTION_TYPES } from './definitions';
export type * from './types';
