/**
 * Workflows used only by the benchmarks, bundled with the product's own. Sandbox code: it imports
 * only `@temporalio/workflow` and the workflow helpers.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { createCallback, createWebhookWait, type CallbackWaitResult, type WebhookWaitOptions } from '../../workflows';

export { awaitCallback, webhookEvent, webhookMailbox } from '../../workflows';

/** How a bench workflow mints its URL: the `mintWith` option of `createCallback`. */
export type MintWith = 'activity' | 'localActivity';

/** What a waiting bench workflow reports once its URL exists (or, waiting on an activity, its task token). */
export interface BenchReadyInfo {
  /** The key the driver chose for this workflow (its workflow id). */
  key: string;
  url: string;
  callbackId: string;
  /** Waiting on an activity completed asynchronously: its task token, base64. */
  taskToken?: string;
  /**
   * When the probe ran, epoch ms of the worker's process (set by the probe, not the workflow): for
   * a workflow that reports ready just before it begins to wait, when its wait began.
   */
  readyAt?: number;
}

/**
 * What a workflow runs after its wait: a local activity (run by the worker inside the workflow
 * task, no task-queue round trip) or a regular activity (scheduled, dispatched through the task
 * queue, polled by a worker), as most real next steps are.
 */
export type NextStep = 'localActivity' | 'activity';

/**
 * Probes registered on the bench worker as local activities: they run in the worker's process, so
 * the driver learns within microseconds that a workflow reached a step.
 */
export interface BenchProbeActivities {
  /** The workflow minted its URL and is about to wait. */
  benchReady(info: BenchReadyInfo): Promise<void>;
  /** The wait ended: the workflow is running its next step. */
  benchResumed(input: { key: string; status: CallbackWaitResult['status'] }): Promise<void>;
  /**
   * The hand-written baseline: reports its task token as ready, then leaves the activity open
   * (`CompleteAsyncError`) for the sender to complete with `client.activity.complete`.
   */
  benchAwaitCompletion(input: { key: string }): Promise<unknown>;
}

const probes = proxyLocalActivities<BenchProbeActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '50ms', maximumAttempts: 5 },
});

/** The same probes as regular activities: a next step that goes through the task queue. */
const steps = proxyActivities<BenchProbeActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '50ms', maximumAttempts: 5 },
});

/** The activity the async-completion baseline waits on: open until the sender completes it. */
const awaited = proxyActivities<BenchProbeActivities>({ startToCloseTimeout: '2h', retry: { maximumAttempts: 1 } });

/** Input of {@link benchResume} and {@link benchAsyncCompletion}. */
export interface BenchResumeInput {
  key: string;
  mintWith?: MintWith;
  /** The step after the wait: a local activity unless set. */
  next?: NextStep;
}

function runNextStep(input: BenchResumeInput, status: CallbackWaitResult['status']): Promise<void> {
  return (input.next === 'activity' ? steps : probes).benchResumed({ key: input.key, status });
}

/**
 * Mints a callback, reports its URL, waits for one delivery, then runs its next step: the
 * `benchResumed` probe, as a local or a regular activity. The resume benchmarks time "send" to
 * that probe.
 */
export async function benchResume(input: BenchResumeInput): Promise<CallbackWaitResult['status']> {
  const callback = await createCallback({ expiresIn: '2h', ...(input.mintWith ? { mintWith: input.mintWith } : {}) });
  await probes.benchReady({ key: input.key, url: callback.url, callbackId: callback.id });
  const result = await callback.wait();
  await runNextStep(input, result.status);
  return result.status;
}

/**
 * The baseline a Temporal user would write by hand: an activity that hands out its task token and
 * completes asynchronously (`CompleteAsyncError`; the sender calls `client.activity.complete`),
 * then the same next step as {@link benchResume}.
 */
export async function benchAsyncCompletion(input: BenchResumeInput): Promise<CallbackWaitResult['status']> {
  await awaited.benchAwaitCompletion({ key: input.key });
  await runNextStep(input, 'received');
  return 'received';
}

/** Input of {@link benchMint}. */
export interface BenchMintInput {
  /** How many callbacks to mint, one after the other. */
  count: number;
  mintWith: MintWith;
}

/** Mints `count` callbacks in sequence and returns: the minting benchmark's workflow. */
export async function benchMint(input: BenchMintInput): Promise<number> {
  for (let i = 0; i < input.count; i++) {
    await createCallback({ expiresIn: '1h', mintWith: input.mintWith });
  }
  return input.count;
}

/** Input of {@link benchWebhook}. */
export interface BenchWebhookInput extends Pick<BenchResumeInput, 'key' | 'next'> {
  /** The webhook to wait for: source, event type and key, as the gateway derives them. */
  webhook: Pick<WebhookWaitOptions, 'source' | 'event' | 'key'>;
  /**
   * Report ready before the wait begins (`createWebhookWait`), for events sent before it (the
   * mailbox holds them): `readyAt` then stamps the wait's beginning. Otherwise ready is reported
   * once the mailbox recorded the subscription, for events sent after.
   */
  early?: boolean;
}

/**
 * Waits for one provider webhook by key (`createWebhookWait`, subscribing the way the product does
 * by default), reports ready, then runs the same next step as {@link benchResume}: the webhook
 * benchmark's twin of `benchResume`, with the same lifetime.
 */
export async function benchWebhook(input: BenchWebhookInput): Promise<CallbackWaitResult['status']> {
  const ready = (callbackId: string) => probes.benchReady({ key: input.key, url: '', callbackId });
  if (input.early) await ready('');
  const wait = await createWebhookWait({ ...input.webhook, expiresIn: '2h' });
  if (!input.early) await ready(wait.id);
  const result = await wait.wait();
  await runNextStep(input, result.status);
  return result.status;
}
