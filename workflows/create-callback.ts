import { uuid4 } from '@temporalio/workflow';
import { CallbackHandle, handleOf } from './callback-handle';
import { callbackRegistry, pendingEntry, restoreEntries, snapshotCallbacks, type CallbackEntry } from './callback-registry';
import type { ApprovalState } from './approval-rules';
import { invalidOption } from './durations';
import { leaveMailboxWhenClosed } from './leave-mailbox';
import { lifetimeOf } from './schedule-activity';
import { installReissueUpdate, linkActivities, linkExpiresInMsOf, linkInput } from './callback-link';
import { checkPageOptions } from './page-options';
import { followCallbackReach, planCallbackReach } from './callback-reach';
import type { Callback, CallbackLinkSettings, CallbackReach, CallbackSnapshot, CreateCallbackOptions, PayloadSchema, WebhookWait } from './types';
import type { CallbackDelivery } from '../protocol/callback-messages';
import { NAME_PATTERN, NAME_RULE } from '../protocol/names';

/** How URLs are minted by default (re-exported for the benchmarks' reports). */
export { DEFAULT_MINT_WITH } from './schedule-activity';

/**
 * Mints a callback URL for the current workflow and returns a {@link Callback} to wait on.
 *
 * The URL carries a signed token naming this workflow (by id, not run id) and a fresh callback
 * id; hand it to the external system, then call `callback.wait()`. Deliveries are recorded from
 * the moment this function starts, so one that arrives before `wait()` is never lost. Call it
 * as often as needed: each callback has its own id, deliveries and status.
 *
 * With `notify`, people are told where to answer (mail, a Slack card with an Open button, a signed
 * webhook), reminded (`remind`), warned before the deadline (`warnBefore`) and other channels told
 * after a while (`escalate`), on durable timers, while nobody answered; `wait()` withdraws what was
 * sent once the wait ends, and its result's `notifications` says what became of each.
 *
 * @example
 * ```ts
 * const callback = await createCallback({
 *   title: 'Upload the signed contract',
 *   timeout: '3d',
 *   notify: [{ email: { to: ['legal@example.com'] } }],
 *   remind: ['1d', '2d'],
 *   escalate: { after: '60h', to: { notify: [{ slack: { channel: 'C0LEGAL' } }] } },
 * });
 * const result = await callback.wait();
 * ```
 *
 * @throws `ApplicationFailure` of type `INVALID_CALLBACK_OPTIONS` (non-retryable) for bad options;
 *   the activity's failure (e.g. `CALLBACK_API_KEY_NOT_CONFIGURED`) when minting fails.
 */
export async function createCallback<T = unknown>(options: CreateCallbackOptions<T> = {}): Promise<Callback<T>> {
  // Planned before anything is minted, at the time the entry is created (workflow time stands still until the first await).
  const requestedAt = Date.now();
  const lifetime = lifetimeOf(options);
  const reach = planCallbackReach(options, requestedAt, requestedAt + (lifetime.timeoutMs ?? lifetime.expiresInMs));
  const entry = await mintCallback(options, undefined, reach);
  followCallbackReach(entry, true);
  return new CallbackHandle<T>(entry);
}

/** What an approval adds to the callback it is built on: its state (the digest filled in once minted; its rules say who may vote through the URL). */
export interface ApprovalMinting {
  state: ApprovalState;
}

/**
 * Registers a pending callback and mints its URL: what `createCallback` and `requestApproval`
 * share. With `approval`, the URL's token binds the action's digest, which the activity computes;
 * `reach` (a plain callback's notify and plan) is kept in the entry as data.
 */
export async function mintCallback(options: CreateCallbackOptions<unknown>, approval?: ApprovalMinting, reach?: CallbackReach): Promise<CallbackEntry> {
  const registry = callbackRegistry();
  const lifetime = lifetimeOf(options);
  const mode = options.mode ?? 'once';
  const signatureSender = options.requireSignature;
  if (signatureSender !== undefined && !NAME_PATTERN.test(signatureSender)) {
    throw invalidOption(`requireSignature names a sender configured on the gateway (${NAME_RULE}); got ${JSON.stringify(signatureSender)}.`);
  }
  if (mode !== 'once' && mode !== 'stream') throw invalidOption(`mode must be 'once' or 'stream'; got ${JSON.stringify(mode)}.`);
  const page = checkPageOptions(options);
  const linkExpiresInMs = linkExpiresInMsOf(options.linkExpiresIn, lifetime);

  const id = uuid4();
  const includeApiKey = options.includeApiKey === true;
  const settings: CallbackLinkSettings = {
    includeApiKey,
    requireApiKey: includeApiKey || options.requireApiKey === true,
    allowGet: options.allowGet === true,
    ...(signatureSender === undefined ? {} : { signatureSender }),
    ...(linkExpiresInMs === undefined ? {} : { linkExpiresInMs }),
    ...(options.mintWith === undefined ? {} : { mintWith: options.mintWith }),
    ...(options.activityOptions === undefined ? {} : { activityOptions: options.activityOptions }),
  };
  const activities = linkActivities(settings);
  installReissueUpdate();
  // Registered before minting, so a delivery can never find its callback unknown.
  const entry = pendingEntry(id, mode, lifetime, {
    linkSettings: settings,
    ...(options.label === undefined ? {} : { label: options.label }),
    ...page,
    ...(options.schema ? { schema: options.schema as PayloadSchema } : {}),
    ...(options.reply ? { reply: options.reply } : {}),
    ...(approval ? { approval: approval.state } : {}),
    ...(reach ? { reach } : {}),
  });
  if (linkExpiresInMs !== undefined) entry.linkExpiresAt = Math.min(entry.createdAt + linkExpiresInMs, entry.expiresAt);
  registry.entries.set(id, entry);
  try {
    const { url, actionDigest, approversAttribute } = await activities.generateCallbackUrl(linkInput(entry, settings));
    entry.url = url;
    if (approval) {
      // An older worker's activity would mint a URL that binds no action: no vote could ever count.
      if (actionDigest === undefined) throw invalidOption("requestApproval needs the durableCallbacks plugin's generateCallbackUrl activity of this version, which binds the action's digest; this worker's did not.");
      approval.state.actionDigest = actionDigest;
      if (approversAttribute === true) approval.state.listed = true;
    }
  } catch (err) {
    registry.entries.delete(id);
    throw err;
  }
  return entry;
}

/**
 * The state of every callback of this run, to pass to the next run when continuing as new.
 * URLs minted before continue-as-new keep working: tokens name the workflow id, not the run.
 *
 * @example
 * ```ts
 * await continueAsNew<typeof myWorkflow>({ ...args, callbacks: callbackSnapshot() });
 * // next run:
 * const [approval] = restoreCallbacks(args.callbacks);
 * ```
 */
export function callbackSnapshot(): CallbackSnapshot {
  return snapshotCallbacks();
}

/** What a restored callback gets back that a snapshot cannot carry: functions. */
export interface RestoreOptions {
  schema?: PayloadSchema;
  reply?: (delivery: CallbackDelivery) => unknown;
}

/**
 * Re-creates the callbacks of a previous run from {@link callbackSnapshot}, in the same order,
 * with their deliveries, statuses and delivery-id memory. Schemas and reply functions are code,
 * not data: give them again with `reattach`, keyed by the callback's label or id. A restored
 * webhook wait leaves its mailbox when it ends, as in the run that created it. A pending callback
 * created with `notify`, `remind`, `warnBefore` or `escalate` goes on with the steps of its plan
 * still to come (one taken in the earlier run is not taken again) through a notifier of this run:
 * cards posted and webhooks told by the earlier run are not withdrawn by it, and its wait result's
 * `notifications` reports this run's sends only.
 */
export function restoreCallbacks(snapshot: CallbackSnapshot, reattach: (callback: { id: string; label?: string }) => RestoreOptions = () => ({})): Array<Callback | WebhookWait> {
  installReissueUpdate();
  return restoreEntries(snapshot).map((entry) => {
    const extra = reattach({ id: entry.id, ...(entry.label === undefined ? {} : { label: entry.label }) });
    if (extra.schema) entry.schema = extra.schema;
    if (extra.reply) entry.reply = extra.reply;
    leaveMailboxWhenClosed(entry);
    followCallbackReach(entry, false);
    return handleOf(entry);
  });
}
