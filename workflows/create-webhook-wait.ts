import { patched, uuid4 } from '@temporalio/workflow';
import { WebhookWaitHandle } from './callback-handle';
import { callbackRegistry, pendingEntry } from './callback-registry';
import { invalidOption } from './durations';
import { leaveMailboxWhenClosed } from './leave-mailbox';
import { MAX_WEBHOOK_KEY_LENGTH, WEBHOOK_SOURCE_PATTERN } from '../protocol/definitions';
import { NAME_RULE } from '../protocol/names';
import { lifetimeOf, scheduledActivities } from './schedule-activity';
import type { WaitOptions, WebhookWait, WebhookWaitOptions } from './types';
import type { CallbackWaitResult } from '../protocol/callback-messages';
import type { WebhookActivities } from '../protocol/activity-contracts';
import { isWellFormedKey } from './webhook-key';

/**
 * Checks a webhook wait's options before anything is scheduled, so a mistake fails the workflow
 * at once instead of waiting for an event that can never come. Used by {@link createWebhookWait}.
 * @throws `ApplicationFailure` of type `INVALID_CALLBACK_OPTIONS` (non-retryable) naming the option.
 */
export function checkWebhookOptions(options: WebhookWaitOptions): void {
  if (typeof options.source !== 'string' || !WEBHOOK_SOURCE_PATTERN.test(options.source)) {
    throw invalidOption(`source names a webhook source configured on the gateway (${NAME_RULE}); got ${JSON.stringify(options.source)}.`);
  }
  if (typeof options.key !== 'string' || options.key.length === 0 || options.key.length > MAX_WEBHOOK_KEY_LENGTH) {
    throw invalidOption(`key must be a non-empty string of at most ${MAX_WEBHOOK_KEY_LENGTH} characters; got ${JSON.stringify(options.key)}.`);
  }
  if (!isWellFormedKey(options.key)) {
    // The gateway refuses such keys, and as UTF-8 one would name the mailbox of the key with U+FFFD in its place.
    throw invalidOption(`key must be well-formed Unicode (no lone UTF-16 surrogate); got ${JSON.stringify(options.key)}.`);
  }
  if (options.event !== undefined && (typeof options.event !== 'string' || options.event.length === 0)) {
    throw invalidOption(`event, when given, names one event type (e.g. 'pull_request'); got ${JSON.stringify(options.event)}.`);
  }
  const mode = options.mode ?? 'once';
  if (mode !== 'once' && mode !== 'stream') throw invalidOption(`mode must be 'once' or 'stream'; got ${JSON.stringify(mode)}.`);
}

/**
 * The patch under which `subscribeWebhook` is a regular activity by default: it waits for the
 * mailbox's workflow task, and as a local activity it held the waiting workflow's task slot
 * meanwhile, so many waits subscribing at once could take every slot of a worker and wait on
 * mailbox tasks no slot was left for. Runs recorded before it replay their local activity.
 */
const SUBSCRIBE_AS_ACTIVITY = 'durable-callbacks/subscribe-webhook-as-activity';

function defaultSubscribeWith(): 'activity' | 'localActivity' {
  return patched(SUBSCRIBE_AS_ACTIVITY) ? 'activity' : 'localActivity';
}

/**
 * Waits for a provider's webhook (GitHub, Stripe, Slack, any Standard Webhooks sender) matched
 * by key, instead of handing out a callback URL: the gateway verifies each event at its fixed
 * `/webhooks/<source>` endpoint, derives the key from it by the source's key template, and
 * routes it to the waits for that (source, key). Returns a {@link WebhookWait}: no URL, and
 * the same `wait()`, statuses and results as a callback's; each delivery's `webhook`
 * says which event matched.
 *
 * Events that arrived before this call are kept by the gateway's mailbox for its hold time (24 h
 * by default) and count at once; a provider's retries of one delivery are applied once. Keys are
 * compared exactly: `octo/widgets#4` never matches `octo/widgets#42` or `Octo/widgets#4`.
 * Once the wait is over (received, timed out, revoked, closed) it leaves the mailbox, best effort.
 * Survives continue-as-new like any callback ({@link callbackSnapshot}/{@link restoreCallbacks}).
 * The worker must run the `webhookMailbox` workflow too: export it from your workflows file.
 *
 * @example
 * ```ts
 * const merged = await createWebhookWait({ source: 'github', event: 'pull_request', key: `${repo}#${pr}`, mode: 'stream' });
 * const result = await merged.wait({ until: (events) => events.some((e) => (e.data as PullRequestEvent).action === 'closed') });
 * ```
 * @throws `ApplicationFailure` of type `INVALID_CALLBACK_OPTIONS` (non-retryable) for bad options.
 */
export async function createWebhookWait<T = unknown>(options: WebhookWaitOptions): Promise<WebhookWait<T>> {
  checkWebhookOptions(options);
  const registry = callbackRegistry();
  const lifetime = lifetimeOf(options);
  const mode = options.mode ?? 'once';
  const activities = scheduledActivities<WebhookActivities>(options.subscribeWith ?? defaultSubscribeWith(), options.activityOptions, 'subscribeWith');
  const webhook = { source: options.source, key: options.key, ...(options.event === undefined ? {} : { event: options.event }) };
  const id = uuid4();
  // Registered before subscribing, so a held event replayed at once finds its entry.
  const entry = pendingEntry(id, mode, lifetime, { webhook });
  registry.entries.set(id, entry);
  try {
    await activities.subscribeWebhook({ ...webhook, callbackId: id, mode, expiresAt: entry.expiresAt });
  } catch (err) {
    registry.entries.delete(id);
    throw err;
  }
  leaveMailboxWhenClosed(entry, options.subscribeWith, options.activityOptions);
  return new WebhookWaitHandle<T>(entry);
}

/**
 * {@link createWebhookWait} and `wait()` in one call: resolves with the first matching event
 * (`status: 'received'`) or how the wait ended otherwise.
 */
export async function waitForWebhook<T = unknown>(options: WebhookWaitOptions & Pick<WaitOptions, 'until'>): Promise<CallbackWaitResult<T>> {
  const { until, ...rest } = options;
  const wait = await createWebhookWait<T>(rest);
  return wait.wait(until ? { until } : {});
}
