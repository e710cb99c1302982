import type { Request } from 'express';
import type { ReceivedBody } from '../request-state';
import { bodyHashId, checkFreshness, eventMalformed, eventObject, hmacHexMatches, signatureInvalid, type VerifiedWebhook } from './provider-signature';

/**
 * Verifies a Slack request: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">`
 * with the app's signing secret (any of the source's secrets, while one is rotated), then
 * `X-Slack-Request-Timestamp` within five minutes of now.
 *
 * Interactivity (a button click: form-encoded with a JSON `payload`) is keyed in the parsed
 * `payload`, its event type is `payload.type` (`block_actions`, `view_submission`, ...), its
 * delivery id a hash of the signed body (Slack sends none), and Slack is answered `200` with an
 * empty body. Events API requests (JSON) are keyed in the body, typed by `event.type` (else
 * `type`) and identified by `event_id`; a `url_verification` is answered with its challenge.
 */
export function verifySlack(req: Request, body: ReceivedBody, keys: readonly Uint8Array[], nowSeconds: number): VerifiedWebhook {
  const timestamp = req.get('x-slack-request-timestamp') ?? '';
  const signature = req.get('x-slack-signature') ?? '';
  if (!timestamp || !signature.startsWith('v0=') || !hmacHexMatches(keys, [`v0:${timestamp}:`, body.raw], signature.slice(3))) {
    throw signatureInvalid('X-Slack-Signature is missing or does not match the timestamp and body with any of this source\'s signing secrets.');
  }
  checkFreshness(timestamp, 'X-Slack-Request-Timestamp', nowSeconds);
  if (body.contentType === 'application/x-www-form-urlencoded') {
    let payload: unknown;
    try {
      payload = JSON.parse(String((body.data as { payload?: unknown }).payload));
    } catch {
      throw eventMalformed('A form-encoded Slack request carries its interaction as JSON in `payload`.');
    }
    const interaction = eventObject(payload, 'Slack');
    return { event: typeof interaction.type === 'string' ? interaction.type : undefined, deliveryId: bodyHashId(body.raw), replayId: bodyHashId(body.raw), data: interaction, answer: 'empty' };
  }
  const envelope = eventObject(body.data, 'Slack');
  if (envelope.type === 'url_verification' && typeof envelope.challenge === 'string') {
    return { event: 'url_verification', deliveryId: bodyHashId(body.raw), replayId: bodyHashId(body.raw), data: envelope, answer: 'json', challenge: envelope.challenge };
  }
  const inner = envelope.event as { type?: unknown } | undefined;
  const event = typeof inner?.type === 'string' ? inner.type : typeof envelope.type === 'string' ? envelope.type : undefined;
  const deliveryId = typeof envelope.event_id === 'string' ? envelope.event_id : bodyHashId(body.raw);
  return { event, deliveryId, replayId: deliveryId, data: envelope, answer: 'json' };
}
