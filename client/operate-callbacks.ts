import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { callbacksQuery, deliverCallbackSignal, reissueCallbackUpdate } from '../protocol/definitions';
import type { CallbackDelivery, CallbackFailureInfo, CallbackInfo, ReissuedCallbackUrl } from '../protocol/callback-messages';

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

/** Options of {@link reissueCallback}. */
export interface ReissueCallbackOptions {
  /** How long the new URL is accepted (capped at the wait's end). Default: as the callback's first URL. */
  linkExpiresIn?: Duration;
}

/**
 * The workflow refused to reissue a callback's URL; `code` says why: `CALLBACK_UNKNOWN` (no such
 * callback), `CALLBACK_CLOSED` (its wait is over), `INVALID_CALLBACK_OPTIONS` (a webhook wait, or
 * a bad `linkExpiresIn`), or the minting activity's failure type.
 */
export class CallbackReissueRefusedError extends Error {
  override readonly name = 'CallbackReissueRefusedError';

  constructor(
    /** The workflow's failure type: a stable code. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Mints a new URL for a pending callback's wait (the `durableCallbacks.reissueCallback` update),
 * for a link that leaked or lapsed: the old URL is refused from then on with `410
 * CALLBACK_LINK_REPLACED`; deliveries, votes and receipts are kept. An update: a worker must run
 * the workflow to answer.
 * @returns the new URL (a bearer secret), its link generation and when it expires.
 * @throws {@link CallbackReissueRefusedError} when the workflow refuses.
 */
export async function reissueCallback(client: Client, workflowId: string, callbackId: string, options: ReissueCallbackOptions = {}): Promise<ReissuedCallbackUrl> {
  try {
    return await client.workflow.getHandle(workflowId).executeUpdate(reissueCallbackUpdate, {
      args: [{ callbackId, ...(options.linkExpiresIn === undefined ? {} : { linkExpiresIn: options.linkExpiresIn }) }],
    });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause as { type?: unknown; message?: string } | undefined;
      if (typeof cause?.type === 'string') throw new CallbackReissueRefusedError(cause.type, cause.message ?? err.message, { cause: err });
    }
    throw err;
  }
}
