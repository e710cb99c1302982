import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Client } from '@temporalio/client';
import { performance } from 'node:perf_hooks';
import type { benchResume, BenchReadyInfo, MintWith } from '../workflows';
import { mapLimit } from '../../test/support/pool';
import { deliverCallbackSignal } from '../../workflows/protocol';
import type { CallbackDelivery } from '../../workflows/types';
import type { BenchContext } from './context';
import { postJson } from './http-client';

/**
 * How a delivery reaches a waiting workflow: through the gateway as deployed, by a direct client
 * signal (the baseline), or through a gateway whose Temporal client uses the SDK's
 * `NativeConnection` (a candidate improvement, measured alongside).
 */
export type Path = 'gateway' | 'direct' | 'gateway-native';

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
 * another gateway); resolves on the `202`, throws on anything else.
 */
export async function sendViaGateway(agent: http.Agent, info: BenchReadyInfo, i: number, origin?: string): Promise<void> {
  const url = origin ? new URL(new URL(info.url).pathname, origin) : info.url;
  const answer = await postJson(agent, url, JSON.stringify(sampleBody(i)));
  if (answer.status !== 202) throw new Error(`gateway answered ${answer.status}: ${answer.body}`);
}

/** Signals sample `i` to the workflow directly; resolves once Temporal recorded it. */
export async function sendDirect(client: Client, info: BenchReadyInfo, i: number): Promise<void> {
  await client.workflow.getHandle(info.key).signal(deliverCallbackSignal, deliveryFor(info, i));
}

/** Delivers sample `i` on `path`. */
export function send(ctx: Pick<BenchContext, 'agent' | 'client' | 'gatewayNative'>, path: Path, info: BenchReadyInfo, i: number): Promise<void> {
  switch (path) {
    case 'gateway':
      return sendViaGateway(ctx.agent, info, i);
    case 'gateway-native':
      if (!ctx.gatewayNative) throw new Error('no native-connection gateway is running');
      return sendViaGateway(ctx.agent, info, i, ctx.gatewayNative.url);
    case 'direct':
      return sendDirect(ctx.client, info, i);
  }
}

/**
 * Starts a `benchResume` workflow per key (at most `concurrency` start calls in flight) on
 * `taskQueue`, minting with `mintWith` (default: the product's default, an activity). With
 * `stopAt` (a `performance.now()` deadline) no start is issued after it. Returns the keys started.
 */
export async function startWaiting(
  client: Client,
  taskQueue: string,
  keys: readonly string[],
  concurrency = 32,
  options: { mintWith?: MintWith; stopAt?: number } = {},
): Promise<string[]> {
  const started: string[] = [];
  await mapLimit(keys, concurrency, async (key) => {
    if (options.stopAt !== undefined && performance.now() >= options.stopAt) return;
    await client.workflow.start<typeof benchResume>('benchResume', {
      taskQueue,
      workflowId: key,
      args: [{ key, ...(options.mintWith ? { mintWith: options.mintWith } : {}) }],
    });
    started.push(key);
  });
  return started;
}
