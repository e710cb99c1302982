import { randomBytes, randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { waitForCallbackUrl } from '../../../test/support/wait-for-callback-url';
import { sleep } from '../../../test/support/async';
import { mapLimit } from '../../../test/support/pool';
import type { awaitCallback } from '../../../workflows/await-callback';

/**
 * Waiting `awaitCallback` workflows and the one callback each expects: its URL, the data a sender
 * will deliver, and the sender's `Idempotency-Key` for it.
 */

/** How often a workflow is asked for its URL until it has one. */
const URL_POLL_MS = 500;

/** The body a sender delivers for callback `i`: unique, so a workflow can be checked to hold its own data. */
export interface CallbackPayload {
  i: number;
  nonce: string;
}

/** One waiting workflow and its callback. */
export interface WaitingCallback {
  index: number;
  workflowId: string;
  handle: WorkflowHandle<typeof awaitCallback>;
  /** The URL the workflow minted (for the gateway in `CALLBACK_BASE_URL`). */
  url: string;
  payload: CallbackPayload;
  /** Unique per logical callback, the same on every retry or duplicate of it. */
  idempotencyKey: string;
}

/** Options for {@link startWaitingWorkflows}. */
export interface StartOptions {
  client: Client;
  taskQueue: string;
  /** Prefix of the workflow ids (the scenario's name). */
  idPrefix: string;
  count: number;
  /** Workflows started (and their URLs read) at once. */
  concurrency: number;
  /** Bound on reading one workflow's URL, retries after query errors included. */
  urlTimeoutMs: number;
  /** Called when reading a URL failed and is tried again (a query can time out on a loaded machine). */
  onRetry?: (error: unknown) => void;
  /** Called every `progressEvery` workflows with how many are ready. */
  onProgress?: (ready: number) => void;
  progressEvery?: number;
}

/**
 * Starts `count` `awaitCallback` workflows (30-minute wait), then reads each one's callback URL.
 * Starting them all first lets the worker mint while the URLs are read, so most reads need one query.
 */
export async function startWaitingWorkflows(options: StartOptions): Promise<WaitingCallback[]> {
  const run = randomUUID().slice(0, 8);
  const handles = await mapLimit(Array.from({ length: options.count }, (_, index) => index), options.concurrency, (index) =>
    options.client.workflow.start<typeof awaitCallback>('awaitCallback', {
      taskQueue: options.taskQueue,
      workflowId: `faults-${options.idPrefix}-${run}-${index}`,
      args: [{ timeout: '30m' }],
    }),
  );
  let ready = 0;
  return mapLimit(handles, options.concurrency, async (handle, index) => {
    const url = await readCallbackUrl(handle, options.urlTimeoutMs, options.onRetry);
    ready++;
    if (options.onProgress && ready % (options.progressEvery ?? 250) === 0) options.onProgress(ready);
    return {
      index,
      workflowId: handle.workflowId,
      handle,
      url,
      payload: { i: index, nonce: randomBytes(12).toString('base64url') },
      idempotencyKey: `faults-${run}-${index}-${randomUUID()}`,
    };
  });
}

/** {@link waitForCallbackUrl}, tried again after a failed query until `timeoutMs` has passed. */
async function readCallbackUrl(handle: WorkflowHandle, timeoutMs: number, onRetry?: (error: unknown) => void): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await waitForCallbackUrl(handle, { timeoutMs: Math.max(0, deadline - Date.now()), pollMs: URL_POLL_MS });
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      onRetry?.(err);
      await sleep(URL_POLL_MS);
    }
  }
}

/** `url` with its origin replaced by `gatewayUrl`'s: a token is valid at any gateway sharing the secret. */
export function atGateway(url: string, gatewayUrl: string): string {
  const target = new URL(url);
  const gateway = new URL(gatewayUrl);
  target.protocol = gateway.protocol;
  target.host = gateway.host;
  return target.toString();
}
