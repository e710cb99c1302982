import type { Request } from 'express';
import { CallbackError, isCallbackError } from '../../protocol/errors';
import { resolveJsonPointer } from './webhook-key-template';
import { optionalText, type ParameterShape } from '../contract/contract-parts';
import type { ReceivedBody } from '../request-state';
import { SIGNED_TIMESTAMP_TOLERANCE_SECONDS } from '../signed-timestamp';
import { verifyStandardWebhooksSignature } from '../standard-webhooks';
import { eventObject, signatureInvalid, type VerifiedWebhook } from './provider-signature';

/** The headers {@link verifyStandardWebhook} reads. */
export const STANDARD_WEBHOOKS_HEADERS: ParameterShape = {
  'webhook-id': optionalText('Standard Webhooks: the message id, which is the delivery id.'),
  'webhook-timestamp': optionalText(`Standard Webhooks: the signing time, Unix seconds, within ${SIGNED_TIMESTAMP_TOLERANCE_SECONDS} s of the gateway's clock.`),
  'webhook-signature': optionalText('Standard Webhooks: signatures (`v1,<base64>`, space-separated) over `id.timestamp.body`.'),
};

/**
 * Verifies a Standard Webhooks request (`webhook-id`, `webhook-timestamp`, `webhook-signature`)
 * with the same check as signed callbacks (a signature by any of the source's secrets verifies), answering with the webhook codes: a stale timestamp is
 * `WEBHOOK_TIMESTAMP_STALE`, any other failure `WEBHOOK_SIGNATURE_INVALID`. The event type is
 * found at `eventPointer` in the body (default `/type`); the delivery id is `webhook-id`.
 */
export function verifyStandardWebhook(req: Request, body: ReceivedBody, keys: readonly Uint8Array[], eventPointer: readonly string[], nowSeconds: number): VerifiedWebhook {
  try {
    verifyStandardWebhooksSignature(req, body.raw, keys, nowSeconds);
  } catch (err) {
    if (!isCallbackError(err)) throw err;
    if (err.code === 'SIGNATURE_TIMESTAMP_INVALID') throw new CallbackError('WEBHOOK_TIMESTAMP_STALE', err.message);
    throw signatureInvalid(err.message);
  }
  const data = eventObject(body.data, 'Standard Webhooks');
  const event = resolveJsonPointer(data, eventPointer);
  return { event: typeof event === 'string' ? event : undefined, deliveryId: req.get('webhook-id')!, replayId: req.get('webhook-id')!, data, answer: 'json' };
}
