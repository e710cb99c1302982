import type { RequestHandler } from 'express';
import type { CallbackClaims } from '../../lib/callback-token';
import { CallbackError } from '../../lib/errors';
import { callbackStatusQuery } from '../../workflows/protocol';
import type { CallbackStatusReport } from '../../workflows/types';
import { MAX_DELIVERY_ID_LENGTH } from '../build-delivery';
import type { ExecutionChains } from '../execution-chain';
import type { CallbackStatusResponse } from '../openapi/schemas';
import { findReceipt } from '../receipts';
import { authenticated, requestState } from '../request-state';
import { chainHead, chainRefusal, withinDeadline } from '../temporal-calls';

/** The query parameter naming the delivery whose outcome is asked for. */
export const DELIVERY_ID_QUERY_PARAM = 'deliveryId';

function requestedDeliveryId(query: unknown): string | undefined {
  const value = (query as Record<string, unknown>)[DELIVERY_ID_QUERY_PARAM];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_DELIVERY_ID_LENGTH || !/^[\x21-\x7e]+$/.test(value)) {
    throw new CallbackError('INVALID_DELIVERY_ID', `?${DELIVERY_ID_QUERY_PARAM}= must be 1 to ${MAX_DELIVERY_ID_LENGTH} visible ASCII characters.`);
  }
  return value;
}

/** What the token alone says the URL takes. */
function accepts(claims: CallbackClaims, open: boolean): CallbackStatusResponse['accepts'] {
  return {
    actions: open ? ['complete', 'fail', 'heartbeat'] : [],
    methods: claims.allowGet ? ['POST', 'PUT', 'GET'] : ['POST', 'PUT'],
    apiKey: claims.requiresApiKey,
    signature: claims.signatureSender !== undefined,
  };
}

/**
 * `GET /callbacks/:token/status`: what the callback is (its status and expiry, whether its
 * execution still runs), what it takes (actions, methods, credentials, the JSON Schema of its
 * data) and, with `?deliveryId=`, what became of that delivery. Read from the workflow's
 * `durableCallbacks.status` query on the run heading the callback's chain; for a chain that is
 * closed and whose workflow no worker can replay, a delivery's outcome is read from history
 * (`recorded` or `unknown`). Safe for link previews and crawlers: it never delivers anything.
 */
export function callbackStatus({ chains, timeoutMs }: { chains: ExecutionChains; timeoutMs: number }): RequestHandler {
  const { client } = chains;
  return async (req, res) => {
    const { claims } = authenticated(res);
    const deliveryId = requestedDeliveryId(req.query);
    if (deliveryId !== undefined) requestState(res).deliveryId = deliveryId;
    const head = await chainHead(client, claims, timeoutMs);
    if (head.kind === 'missing') throw chainRefusal(head);
    const workflow = head.kind === 'replaced' ? 'replaced' : head.kind;
    let report: CallbackStatusReport | null | undefined;
    if (head.kind !== 'replaced') {
      // A closed run answers too when a worker can replay it; no worker means no answer in time.
      report = await withinDeadline(client, timeoutMs, () =>
        client.workflow.getHandle(claims.workflowId, head.runId).query(callbackStatusQuery, claims.callbackId, deliveryId),
      ).catch(() => undefined);
    }
    let delivery: CallbackStatusResponse['delivery'] = report?.delivery;
    if (deliveryId !== undefined && report === undefined) {
      const receipt = await findReceipt(client, claims, { callbackId: claims.callbackId, deliveryId }, timeoutMs).catch(() => undefined);
      delivery = { deliveryId, outcome: receipt ? 'recorded' : 'unknown' };
    }
    const status = report?.status ?? 'unknown';
    const body: CallbackStatusResponse = {
      callbackId: claims.callbackId,
      workflow,
      status,
      expiresAt: claims.expiresAt.toISOString(),
      accepts: accepts(claims, workflow === 'running' && status === 'pending'),
      schema: report?.schema ?? null,
      ...(delivery ? { delivery } : {}),
    };
    res.set('Cache-Control', 'no-store').json(body);
  };
}
