/**
 * Workflows used only by the tests, bundled with the product's own. Sandbox code: they import
 * only `@temporalio/workflow`, zod (for payload schemas) and the workflow helpers.
 */
import { condition, continueAsNew, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { z } from 'zod';
import {
  callbackSnapshot,
  createCallback,
  createWebhookWait,
  markWaitingForCallbacks,
  restoreCallbacks,
  waitForQuorum,
  type CallbackDelivery,
  type CallbackSnapshot,
  type CallbackWaitResult,
  type CreateCallbackOptions,
  type QuorumResult,
  type WebhookWaitOptions,
} from '../../workflows';
import { callbackUrlQuery } from '../../protocol/definitions';

export { awaitCallback, standingDelegations, webhookEvent, webhookMailbox } from '../../workflows';
export { ticketTriage } from '../../examples/ticket-triage/workflows';
export { pullRequestMerged } from '../../examples/github-pr/workflows';
export { productionChange } from '../../examples/it-change/workflows';
export { urlToStarter } from './url-to-starter';
export { mcpToolCall } from '../../workflows';
export { signedApproval } from './signed-approval';
export { auditedApproval, rollingApproval } from './audited-approval';
export { reissuingCallback, reissuingApproval } from './reissue';
export { notifiedCallback, rollingNotifiedCallback } from './callback-reach';

export const releaseSignal = defineSignal('release');
export const urlsQuery = defineQuery<string[]>('urls');

/** Mints a URL, then calls wait() only after the test sends `release`: proves early deliveries are kept. */
export async function waitAfterRelease(): Promise<CallbackWaitResult> {
  let released = false;
  let url: string | null = null;
  setHandler(releaseSignal, () => void (released = true));
  setHandler(callbackUrlQuery, () => url);
  const callback = await createCallback({ expiresIn: '10m' });
  url = callback.url;
  await condition(() => released);
  return callback.wait({ timeout: '1s' });
}

/** Two callbacks in one workflow, each with its own wait. */
export async function twoCallbacks(): Promise<{ first: CallbackWaitResult; second: CallbackWaitResult }> {
  const urls: string[] = [];
  setHandler(urlsQuery, () => urls);
  const first = await createCallback({ expiresIn: '10m' });
  const second = await createCallback({ expiresIn: '10m' });
  urls.push(first.url, second.url);
  const [a, b] = await Promise.all([first.wait({ timeout: '30s' }), second.wait({ timeout: '30s' })]);
  return { first: a, second: b };
}

/** The throwing variant: fails with CALLBACK_TIMED_OUT when nothing arrives. */
export async function waitOrThrowWorkflow(timeout: Duration): Promise<unknown> {
  const callback = await createCallback({ expiresIn: '10m' });
  return (await callback.waitOrThrow({ timeout })).data;
}

/** Mints with arbitrary options, to check option validation. */
export async function createWithOptions(options: CreateCallbackOptions): Promise<string> {
  return (await createCallback(options)).url;
}

export const revokeSignal = defineSignal('revoke');
export const closeSignal = defineSignal('close');
export const labelledUrlsQuery = defineQuery<Array<{ label: string; url: string }>>('labelledUrls');

/** Options of {@link configurableWait}. */
export interface ConfigurableWaitInput {
  timeout?: Duration;
  heartbeatTimeout?: Duration;
  mode?: 'once' | 'stream';
  /** For streams: complete once this many deliveries arrived. */
  untilCount?: number;
  /** Validate deliveries with a zod schema `{ decision: 'approve' | 'reject', comment?: string }`. */
  withSchema?: boolean;
  /** Reply `{ thanks: <decision or data> }` to synchronous senders. */
  withReply?: boolean;
  /** After the wait, stay open until `release`, so later deliveries meet a running workflow. */
  holdOpen?: boolean;
  /** Require a Standard Webhooks signature from this sender. */
  requireSignature?: string;
}

/** One callback with every option the vocabulary offers; `revoke` and `close` signals act on it. */
export async function configurableWait(input: ConfigurableWaitInput): Promise<CallbackWaitResult> {
  let url: string | null = null;
  let released = false;
  setHandler(callbackUrlQuery, () => url);
  setHandler(releaseSignal, () => void (released = true));
  const callback = await createCallback({
    expiresIn: '10m',
    ...(input.mode ? { mode: input.mode } : {}),
    ...(input.requireSignature ? { requireSignature: input.requireSignature } : {}),
    ...(input.withSchema ? { schema: z.object({ decision: z.enum(['approve', 'reject']), comment: z.string().optional() }) } : {}),
    ...(input.withReply ? { reply: (delivery: CallbackDelivery) => ({ thanks: (delivery.data as { decision?: string }).decision ?? delivery.data }) } : {}),
  });
  setHandler(revokeSignal, () => callback.revoke());
  setHandler(closeSignal, () => callback.close());
  url = callback.url;
  const { untilCount } = input;
  const result = await callback.wait({
    ...(input.timeout ? { timeout: input.timeout } : {}),
    ...(input.heartbeatTimeout ? { heartbeatTimeout: input.heartbeatTimeout } : {}),
    ...(untilCount ? { until: (all: readonly CallbackDelivery[]) => all.length >= untilCount } : {}),
  });
  if (input.holdOpen) await condition(() => released);
  return result;
}

/** N-of-M approvals: one labelled callback per approver. */
export async function approvals(input: { approvers: string[]; required: number; holdOpen?: boolean }): Promise<QuorumResult> {
  const urls: Array<{ label: string; url: string }> = [];
  let released = false;
  setHandler(labelledUrlsQuery, () => urls);
  setHandler(releaseSignal, () => void (released = true));
  const callbacks = [];
  for (const approver of input.approvers) {
    const callback = await createCallback({ label: approver, expiresIn: '10m' });
    urls.push({ label: approver, url: callback.url });
    callbacks.push(callback);
  }
  const result = await waitForQuorum(callbacks, input.required, { timeout: '1m' });
  if (input.holdOpen) await condition(() => released);
  return result;
}

/** Mints a callback, continues as new on `release`, and waits for it in the new run. */
export async function rollover(snapshot?: CallbackSnapshot): Promise<CallbackWaitResult & { run: number }> {
  let url: string | null = null;
  setHandler(callbackUrlQuery, () => url);
  if (snapshot) {
    const [callback] = restoreCallbacks(snapshot);
    // A snapshot carries webhook waits too; this one holds one callback URL.
    if (!callback || !('url' in callback)) throw new Error('the snapshot holds no callback URL');
    url = callback.url;
    return { ...(await callback!.wait({ timeout: '1m' })), run: 2 };
  }
  let released = false;
  setHandler(releaseSignal, () => void (released = true));
  const callback = await createCallback({ expiresIn: '10m' });
  url = callback.url;
  await condition(() => released);
  return continueAsNew<typeof rollover>(callbackSnapshot());
}

/** Many callbacks at once, minted in parallel, all awaited together. */
export async function manyCallbacks(count: number): Promise<{ status: string; received: number }> {
  const urls: string[] = [];
  setHandler(urlsQuery, () => urls);
  const callbacks = await Promise.all(Array.from({ length: count }, (_, index) => createCallback({ label: `cb-${index}`, expiresIn: '10m' })));
  urls.push(...callbacks.map((callback) => callback.url));
  const result = await waitForQuorum(callbacks, count, { timeout: '2m' });
  return { status: result.status, received: result.received.length };
}

/** Options of {@link approvalRequest}: the callback's approval page, and how it may be answered. */
export interface ApprovalRequestInput
  extends Pick<CreateCallbackOptions, 'title' | 'description' | 'form' | 'allowGet' | 'includeApiKey' | 'requireApiKey' | 'requireSignature'> {
  /** After the wait, stay open until `release`, so a page opened later meets a running workflow. */
  holdOpen?: boolean;
}

/** One callback with a title, description and form (the approval page); its URL via `callbackUrl`. */
export async function approvalRequest(input: ApprovalRequestInput = {}): Promise<CallbackWaitResult> {
  let url: string | null = null;
  let released = false;
  setHandler(callbackUrlQuery, () => url);
  setHandler(releaseSignal, () => void (released = true));
  const { holdOpen, ...options } = input;
  const callback = await createCallback({ expiresIn: '10m', ...options });
  url = callback.url;
  const result = await callback.wait({ timeout: '2m' });
  if (holdOpen) await condition(() => released);
  return result;
}

export const subscribedQuery = defineQuery<boolean>('subscribed');

/** Options of {@link webhookWait}: a webhook wait, and how long to wait. */
export interface WebhookWaitInput extends WebhookWaitOptions {
  /** For streams: complete once this many events arrived. */
  untilCount?: number;
  /** Mark the workflow with the DurableCallbacksWaiting search attribute while it waits. */
  markWaiting?: boolean;
}

/** One webhook wait; `subscribed` answers true once the mailbox has the subscription. */
export async function webhookWait(input: WebhookWaitInput): Promise<CallbackWaitResult> {
  let subscribed = false;
  setHandler(subscribedQuery, () => subscribed);
  const { untilCount, markWaiting, ...options } = input;
  if (markWaiting) markWaitingForCallbacks();
  const wait = await createWebhookWait(options);
  subscribed = true;
  return wait.wait(untilCount ? { until: (all) => all.length >= untilCount } : {});
}

/** Subscribes, continues as new on `release` with the callback snapshot, and waits in the next run. */
export async function webhookRollover(input: { options: WebhookWaitOptions; snapshot?: CallbackSnapshot }): Promise<CallbackWaitResult & { run: number }> {
  let subscribed = false;
  setHandler(subscribedQuery, () => subscribed);
  if (input.snapshot) {
    const [wait] = restoreCallbacks(input.snapshot);
    subscribed = true;
    return { ...(await wait!.wait()), run: 2 };
  }
  let released = false;
  setHandler(releaseSignal, () => void (released = true));
  await createWebhookWait(input.options);
  subscribed = true;
  await condition(() => released);
  return continueAsNew<typeof webhookRollover>({ options: input.options, snapshot: callbackSnapshot() });
}

/** Input of {@link webhookWaitThenHold}. */
export interface WebhookWaitThenHoldInput extends WebhookWaitInput {
  /** Revoke the wait on the first `release`. */
  revokeOnRelease?: boolean;
}

/** One webhook wait that stays open after it ends, until `release` (the second one when revoking): later events meet a running workflow. */
export async function webhookWaitThenHold(input: WebhookWaitThenHoldInput): Promise<CallbackWaitResult> {
  let subscribed = false;
  let releases = 0;
  setHandler(subscribedQuery, () => subscribed);
  setHandler(releaseSignal, () => void releases++);
  const { untilCount, revokeOnRelease, markWaiting: _markWaiting, ...options } = input;
  const wait = await createWebhookWait(options);
  subscribed = true;
  if (revokeOnRelease) {
    await condition(() => releases >= 1);
    wait.revoke();
  }
  const result = await wait.wait(untilCount ? { until: (all) => all.length >= untilCount } : {});
  await condition(() => releases >= (revokeOnRelease ? 2 : 1));
  return result;
}

export const chainRunQuery = defineQuery<number>('chainRun');

/** Input of {@link longChain}. */
export interface LongChainInput {
  /** How many runs the chain has: each continues as new until this one, which returns. */
  runs: number;
  /** The run that waits for `release` (so deliveries are applied in it) before the chain goes on. */
  holdInRun: number;
  /** Which run this is; the first run is 1. */
  run?: number;
  snapshot?: CallbackSnapshot;
}

/**
 * A long execution chain: run 1 mints a stream callback whose reply names the run that applied
 * the delivery; every run carries it to the next with `callbackSnapshot()` / `restoreCallbacks()`
 * (reattaching the reply); run `holdInRun` waits for `release`; run `runs` returns.
 */
export async function longChain(input: LongChainInput): Promise<{ run: number }> {
  const run = input.run ?? 1;
  let url: string | null = null;
  setHandler(chainRunQuery, () => run);
  setHandler(callbackUrlQuery, () => url);
  const reply = (delivery: CallbackDelivery) => ({ thanks: delivery.data, run });
  const [callback] = input.snapshot ? restoreCallbacks(input.snapshot, () => ({ reply })) : [await createCallback({ mode: 'stream', expiresIn: '10m', reply })];
  if (!callback || !('url' in callback)) throw new Error('the snapshot holds no callback URL');
  url = callback.url;
  if (run === input.holdInRun) {
    let released = false;
    setHandler(releaseSignal, () => void (released = true));
    await condition(() => released);
  }
  if (run >= input.runs) return { run };
  return continueAsNew<typeof longChain>({ ...input, run: run + 1, snapshot: callbackSnapshot() });
}
