import type { Duration } from '@temporalio/common';
import { ApplicationFailure, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { callbackRegistry, type CallbackEntry } from './callback-registry';
import { durationMs, invalidOption } from './durations';
import { scheduledActivities } from './schedule-activity';
import type { CallbackLinkSettings, ReissueOptions } from './types';
import { reissueCallbackUpdate, WORKFLOW_REFUSALS } from '../protocol/definitions';
import type { ApprovalAction, ApprovalBinding, ApprovalRules } from '../protocol/approval-messages';
import type { CallbackActivities, GenerateCallbackUrlInput, GenerateCallbackUrlResult } from '../protocol/activity-contracts';
import type { ReissuedCallbackUrl } from '../protocol/callback-messages';

/**
 * A callback's links: how each URL of one wait is minted (the first, one for a changed action, a
 * reissued one), and reissuing. One builder of the minting activity's input, so every URL of a
 * callback binds what its first did.
 */

/** How an approval's URL is minted (no API key, no GET, no signature): for approvals restored from snapshots that did not keep it. */
const APPROVAL_LINK_SETTINGS: CallbackLinkSettings = { includeApiKey: false, requireApiKey: false, allowGet: false };

/** How `entry`'s URLs are minted; undefined for a callback restored from a snapshot older than reissue (an approval's are known). */
export function linkSettingsOf(entry: CallbackEntry): CallbackLinkSettings | undefined {
  return entry.linkSettings ?? (entry.approval ? APPROVAL_LINK_SETTINGS : undefined);
}

/** The callbacks (by id) minting a new URL right now. Module state is per workflow execution. */
const mintingNow = new Set<string>();

/**
 * Runs `mint` once no other new URL of `entry` is being minted: a reissue and an approval's
 * `changeAction` each bind what the entry says when they begin, so the one that lands last must
 * also have begun last.
 */
export async function oneLinkAtATime<T>(entry: CallbackEntry, mint: () => Promise<T>): Promise<T> {
  await condition(() => !mintingNow.has(entry.id));
  mintingNow.add(entry.id);
  try {
    return await mint();
  } finally {
    mintingNow.delete(entry.id);
  }
}

/** Who may vote through an approval's URL, by its rules: what the token binds beside the digest. */
export function approvalBindingOf(rules: ApprovalRules): Omit<ApprovalBinding, 'actionDigest'> {
  return { identity: rules.allowLinkHolders ? 'link-holder' : 'signed-in', ...(rules.maxAuthAgeSeconds === undefined ? {} : { maxAuthAgeSeconds: rules.maxAuthAgeSeconds }) };
}

/** When the entry's current URL expires, epoch ms: its `linkExpiresIn`, else the callback's own end. */
export function linkExpiryOf(entry: CallbackEntry): number {
  return entry.linkExpiresAt ?? entry.expiresAt;
}

/**
 * The `generateCallbackUrl` input for a URL of `entry`, minted as its settings say: with the
 * entry's current link generation and link expiry, and for an approval its action (or `action`,
 * the one it changes to) and who may vote.
 */
export function linkInput(entry: CallbackEntry, settings: CallbackLinkSettings, action?: ApprovalAction): GenerateCallbackUrlInput {
  const approval = entry.approval;
  return {
    callbackId: entry.id,
    expiresAt: linkExpiryOf(entry),
    includeApiKey: settings.includeApiKey,
    requireApiKey: settings.requireApiKey,
    allowGet: settings.allowGet,
    ...(settings.signatureSender === undefined ? {} : { signatureSender: settings.signatureSender }),
    executionChain: workflowInfo().firstExecutionRunId,
    ...(approval ? { approval: { action: action ?? approval.action, ...approvalBindingOf(approval.rules) } } : {}),
    ...(entry.link ? { link: entry.link } : {}),
  };
}

/** The activities that mint `settings`' URLs, scheduled as its `mintWith` and `activityOptions` say. */
export function linkActivities(settings: Pick<CallbackLinkSettings, 'mintWith' | 'activityOptions'>): CallbackActivities {
  return scheduledActivities<CallbackActivities>(settings.mintWith, settings.activityOptions, 'mintWith');
}

/**
 * `linkExpiresIn` in milliseconds, checked against the callback's wait (`timeoutMs`, else its
 * lifetime `expiresInMs`): a URL may lapse before its wait, never after it.
 */
export function linkExpiresInMsOf(linkExpiresIn: Duration | undefined, lifetime: { timeoutMs?: number; expiresInMs: number }): number | undefined {
  if (linkExpiresIn === undefined) return undefined;
  const ms = durationMs(linkExpiresIn, 'linkExpiresIn');
  const limit = lifetime.timeoutMs ?? lifetime.expiresInMs;
  if (ms > limit) {
    throw invalidOption(
      `linkExpiresIn must not exceed the wait's ${lifetime.timeoutMs === undefined ? 'expiresIn' : 'timeout'} (${limit} ms); got ${ms} ms. A link shorter than its wait is extended by reissuing it.`,
    );
  }
  return ms;
}

/** The `CALLBACK_CLOSED` failure of a reissue: the wait is over, so there is nothing to reach. */
function closed(entry: CallbackEntry): ApplicationFailure {
  return ApplicationFailure.create({ type: 'CALLBACK_CLOSED', message: `Callback ${entry.id} is ${entry.status}: its wait is over, so its link cannot be reissued.`, nonRetryable: true });
}

/** Why `entry` cannot be reissued now, or undefined when it can. */
function cannotReissue(entry: CallbackEntry): ApplicationFailure | undefined {
  if (entry.webhook) return invalidOption(`Wait ${entry.id} is a webhook wait: it has no URL to reissue.`);
  if (!linkSettingsOf(entry)) return invalidOption(`Callback ${entry.id} was created by a version without reissue, which did not keep how its URL was minted; create a new callback instead.`);
  if (entry.status !== 'pending') return closed(entry);
  return undefined;
}

/**
 * Mints a new URL for `entry`'s wait and makes it the current one: the link generation goes up
 * first, so the old URL is refused (`CALLBACK_LINK_REPLACED`) while the new one is minted, and
 * comes back down if minting fails. Deliveries, votes and delivery-id memory are untouched.
 */
export async function reissueLink(entry: CallbackEntry, options: ReissueOptions = {}): Promise<ReissuedCallbackUrl> {
  if (options.linkExpiresIn !== undefined) durationMs(options.linkExpiresIn, 'linkExpiresIn');
  return oneLinkAtATime(entry, () => mintNextLink(entry, options));
}

async function mintNextLink(entry: CallbackEntry, options: ReissueOptions): Promise<ReissuedCallbackUrl> {
  const refusal = cannotReissue(entry);
  if (refusal) throw refusal;
  const settings = linkSettingsOf(entry)!;
  const requested = options.linkExpiresIn === undefined ? settings.linkExpiresInMs : durationMs(options.linkExpiresIn, 'linkExpiresIn');
  const previous = { link: entry.link, linkExpiresAt: entry.linkExpiresAt };
  const link = (entry.link ?? 0) + 1;
  entry.link = link;
  const linkExpiresAt = requested === undefined ? undefined : Math.min(Date.now() + requested, entry.expiresAt);
  if (linkExpiresAt === undefined) delete entry.linkExpiresAt;
  else entry.linkExpiresAt = linkExpiresAt;
  let minted: GenerateCallbackUrlResult;
  try {
    minted = await linkActivities(settings).generateCallbackUrl(linkInput(entry, settings));
  } catch (err) {
    if (previous.link === undefined) delete entry.link;
    else entry.link = previous.link;
    if (previous.linkExpiresAt === undefined) delete entry.linkExpiresAt;
    else entry.linkExpiresAt = previous.linkExpiresAt;
    throw err;
  }
  entry.url = minted.url;
  entry.onRelinked?.();
  // In whole seconds, as the token's `exp` says it.
  const expiresAt = Math.floor((linkExpiresAt ?? entry.expiresAt) / 1000) * 1000;
  return { callbackId: entry.id, url: minted.url, link, expiresAt: new Date(expiresAt).toISOString() };
}

let updateInstalled = false;

/**
 * Installs the `durableCallbacks.reissueCallback` update, by which an operator reissues a
 * callback's URL from outside (the CLI, the client helper, any Temporal client). Its validator
 * refuses, before anything is recorded, a callback the workflow does not know (`CALLBACK_UNKNOWN`),
 * one whose wait is over (`CALLBACK_CLOSED`) and one that has no URL (`INVALID_CALLBACK_OPTIONS`).
 */
export function installReissueUpdate(): void {
  if (updateInstalled) return;
  updateInstalled = true;
  const entryOf = (callbackId: string): CallbackEntry => {
    const entry = callbackRegistry().entries.get(callbackId);
    if (!entry) throw ApplicationFailure.create({ type: 'CALLBACK_UNKNOWN', message: WORKFLOW_REFUSALS.CALLBACK_UNKNOWN, nonRetryable: true });
    return entry;
  };
  setHandler(reissueCallbackUpdate, (request) => reissueLink(entryOf(request.callbackId), request.linkExpiresIn === undefined ? {} : { linkExpiresIn: request.linkExpiresIn as Duration }), {
    validator: (request) => {
      if (typeof request !== 'object' || request === null || typeof request.callbackId !== 'string') throw invalidOption('reissueCallback takes { callbackId, linkExpiresIn? }.');
      const refusal = cannotReissue(entryOf(request.callbackId));
      if (refusal) throw refusal;
      if (request.linkExpiresIn !== undefined) durationMs(request.linkExpiresIn as Duration, 'linkExpiresIn');
    },
  });
}
