import type { Request } from 'express';
import { optionalText, type ParameterShape } from '../contract/contract-parts';
import type { ReceivedBody } from '../request-state';
import { SIGNED_TIMESTAMP_TOLERANCE_SECONDS } from '../signed-timestamp';
import { checkFreshness, eventMalformed, eventObject, hmacHexMatches, signatureInvalid, type VerifiedWebhook } from './provider-signature';

/** The header {@link verifyStripe} reads (the event's `type` and `id` are in the body). */
export const STRIPE_HEADERS: ParameterShape = {
  'Stripe-Signature': optionalText(
    `Stripe: \`t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">\`; \`t\` within ${SIGNED_TIMESTAMP_TOLERANCE_SECONDS} s. The event's \`type\` picks the key rule, its \`id\` is the delivery id.`,
  ),
};

/**
 * Verifies a Stripe webhook: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, where a
 * `v1` is the HMAC-SHA256 of `<t>.<body>` with the endpoint's signing secret (`whsec_…`, used as
 * is; any of the source's secrets, while one is rotated); then `t` must be within five minutes of now, as Stripe's libraries check. The event type is
 * the event's `type`, the delivery id its `id` (Stripe retries an event with the same id).
 */
export function verifyStripe(req: Request, body: ReceivedBody, keys: readonly Uint8Array[], nowSeconds: number): VerifiedWebhook {
  const pairs = (req.get('stripe-signature') ?? '').split(',').map((pair) => pair.trim().split('=', 2) as [string, string?]);
  const timestamp = pairs.find(([name]) => name === 't')?.[1];
  const signatures = pairs.filter(([name, value]) => name === 'v1' && value).map(([, value]) => value!);
  if (!timestamp || signatures.length === 0 || !signatures.some((signature) => hmacHexMatches(keys, [`${timestamp}.`, body.raw], signature))) {
    throw signatureInvalid('Stripe-Signature is missing or none of its v1 signatures matches the body with any of this source\'s signing secrets.');
  }
  checkFreshness(timestamp, 'The Stripe-Signature timestamp', nowSeconds);
  const event = eventObject(body.data, 'Stripe');
  if (typeof event.id !== 'string' || typeof event.type !== 'string') throw eventMalformed('A Stripe event has a string `id` and `type`.');
  return { event: event.type, deliveryId: event.id, replayId: event.id, data: event, answer: 'json' };
}
