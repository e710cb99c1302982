import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { callbacksQuery, deliverCallbackSignal } from '../protocol/definitions';
import type { CallbackDelivery, CallbackFailureInfo, CallbackInfo } from '../protocol/callback-messages';

/** Options of {@link completeCallback} and {@link failCallback}. */
export interface OperatorDeliveryOptions {
  /** The delivery id; a repeated id is applied once. Default: a fresh `operator-<uuid>`. */
  deliveryId?: string;
}

function operatorDelivery(callbackId: string, kind: CallbackDelivery['kind'], data: unknown, options: OperatorDeliveryOptions): CallbackDelivery {
  return {
    callbackId,
    deliveryId: options.deliveryId ?? `operator-${randomUUID()}`,
    kind,
    method: 'POST',
    contentType: 'application/json',
    data,
    query: {},
    headers: { 'x-delivered-by': 'operator' },
    receivedAt: new Date().toISOString(),
  };
}

/** Lists a workflow's callbacks (id, label, status, deliveries, progress, refusals); never URLs or keys. */
export function listCallbacks(client: Client, workflowId: string): Promise<CallbackInfo[]> {
  return client.workflow.getHandle(workflowId).query(callbacksQuery);
}

/**
 * Completes a callback by hand with `data`, as if its sender had (an operator override, for a
 * sender that will never call). Durable like a gateway delivery: a signal.
 * @returns the delivery id.
 */
export async function completeCallback(client: Client, workflowId: string, callbackId: string, data: unknown, options: OperatorDeliveryOptions = {}): Promise<string> {
  const delivery = operatorDelivery(callbackId, 'complete', data, options);
  await client.workflow.getHandle(workflowId).signal(deliverCallbackSignal, delivery);
  return delivery.deliveryId;
}

/** Fails a callback by hand with `error`, as if its sender had reported failure. @returns the delivery id. */
export async function failCallback(client: Client, workflowId: string, callbackId: string, error: CallbackFailureInfo, options: OperatorDeliveryOptions = {}): Promise<string> {
  const delivery = operatorDelivery(callbackId, 'fail', { error }, options);
  await client.workflow.getHandle(workflowId).signal(deliverCallbackSignal, delivery);
  return delivery.deliveryId;
}
