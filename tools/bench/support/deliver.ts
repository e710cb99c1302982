import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Client } from '@temporalio/client';
import { performance } from 'node:perf_hooks';
import type { BenchReadyInfo, BenchResumeInput, MintWith, NextStep } from '../workflows';
import { mapLimit } from '../../../test/support/pool';
import { deliverCallbackSignal } from '../../../protocol/definitions';
import type { CallbackDelivery } from '../../../protocol/callback-messages';
import type { BenchContext } from './context';
import { postJson } from './http-client';

/**
 * How a delivery reaches a waiting workflow: through the gateway as deployed (`202` once Temporal
 * recorded the signal), through the gateway asking for the workflow's reply (`Prefer: wait=N`,
 * an update), by a direct client signal (the baseline), by completing the activity the workflow
 * waits on (`client.activity.complete`, the hand-written baseline), or through a gateway whose
 * Temporal client uses the SDK's `NativeConnection` (a candidate, measured alongside).
 */
export type Path = 'gateway' | 'gateway-sync' | 'direct' | 'async-completion' | 'gateway-native';

/** The synchronous wait the `gateway-sync` path asks for, seconds. */
export const SYNC_WAIT_SECONDS = 10;

/** The JSON body every sample sends. */
export function sampleBody(i: number): { decision: string; ticket: string; sample: number } {
  return { decision: 'approved', ticket: `TCK-${100000 + i}`, sample: i };
}

/**
 * The signal the gateway builds for `POST <url>` with {@link sampleBody} as JSON from Node's HTTP
 * client: the direct path sends the same payload, so both paths carry the same bytes to Temporal.
 */
export function deliveryFor(info: BenchReadyInfo, i: number): CallbackDelivery {
  return {
    callbackId: info.callbackId,
    deliveryId: randomUUID(),
    kind: 'complete',
    method: 'POST',
    contentType: 'application/json',
    data: sampleBody(i),
    query: {},
    headers: { 'content-type': 'application/json' },
    receivedAt: new Date().toISOString(),
  };
}

/**
 * POSTs sample `i` to the callback URL through the gateway (or, with `origin`, the same path on
 * another gateway); resolves on the `202` (with `waitSeconds`: on the `200` that carries the
 * workflow's reply), throws on anything else.
 */
export async function sendViaGateway(agent: http.Agent, info: BenchReadyInfo, i: number, origin?: string, waitSeconds?: number): Promise<void> {
  const url = origin ? new URL(new URL(info.url).pathname, origin) : info.url;
  const headers: Record<string, string> = waitSeconds === undefined ? {} : { prefer: `wait=${waitSeconds}` };
  const answer = await postJson(agent, url, JSON.stringify(sampleBody(i)), headers);
  const expected = waitSeconds === undefined ? 202 : 200;
  if (answer.status !== expected) throw new Error(`gateway answered ${answer.status} (expected ${expected}): ${answer.body}`);
}

/** Signals sample `i` to the workflow directly; resolves once Temporal recorded it. */
export async function sendDirect(client: Client, info: BenchReadyInfo, i: number): Promise<void> {
  await client.workflow.getHandle(info.key).signal(deliverCallbackSignal, deliveryFor(info, i));
}

/** Completes the activity a `benchAsyncCompletion` workflow waits on with sample `i`'s body. */
export async function completeActivity(client: Client, info: BenchReadyInfo, i: number): Promise<void> {
  if (!info.taskToken) throw new Error(`workflow ${info.key} waits on a callback, not an activity`);
  await client.activity.complete(Buffer.from(info.taskToken, 'base64'), sampleBody(i));
}

/** Delivers sample `i` on `path`. */
export function send(ctx: Pick<BenchContext, 'agent' | 'client' | 'gatewayNative'>, path: Path, info: BenchReadyInfo, i: number): Promise<void> {
  switch (path) {
    case 'gateway':
      return sendViaGateway(ctx.agent, info, i);
    case 'gateway-sync':
      return sendViaGateway(ctx.agent, info, i, undefined, SYNC_WAIT_SECONDS);
    case 'async-completion':
      return completeActivity(ctx.client, info, i);
    case 'gateway-native':
      if (!ctx.gatewayNative) throw new Error('no native-connection gateway is running');
      return sendViaGateway(ctx.agent, info, i, ctx.gatewayNative.url);
    case 'direct':
      return sendDirect(ctx.client, info, i);
  }
}

/** Options for {@link startWaiting}. */
export interface StartWaitingOptions {
  mintWith?: MintWith;
  /** The step after the wait (default: a local activity). */
  next?: NextStep;
  /** Wait on an activity for the sender to complete (`benchAsyncCompletion`) instead of a callback. */
  asyncCompletion?: boolean;
  /** A `performance.now()` deadline after which no start is issued. */
  stopAt?: number;
}

/**
 * Starts a `benchResume` workflow (or, with `asyncCompletion`, a `benchAsyncCompletion`) per key,
 * at most `concurrency` start calls in flight, on `taskQueue`. Returns the keys started.
 */
export async function startWaiting(client: Client, taskQueue: string, keys: readonly string[], concurrency = 32, options: StartWaitingOptions = {}): Promise<string[]> {
  const started: string[] = [];
  await mapLimit(keys, concurrency, async (key) => {
    if (options.stopAt !== undefined && performance.now() >= options.stopAt) return;
    const input: BenchResumeInput = { key, ...(options.mintWith ? { mintWith: options.mintWith } : {}), ...(options.next ? { next: options.next } : {}) };
    await client.workflow.start(options.asyncCompletion ? 'benchAsyncCompletion' : 'benchResume', { taskQueue, workflowId: key, args: [input] });
    started.push(key);
  });
  return started;
}
