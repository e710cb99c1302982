import type { Request } from 'express';
import { optionalText, type ParameterShape } from '../contract/contract-parts';
import type { ReceivedBody } from '../request-state';
import { bodyHashId, eventMalformed, eventObject, hmacHexMatches, signatureInvalid, type VerifiedWebhook } from './provider-signature';

/** The headers {@link verifyGitHub} reads. */
export const GITHUB_HEADERS: ParameterShape = {
  'X-Hub-Signature-256': optionalText('GitHub: `sha256=<hex HMAC-SHA256 of the body>` with the webhook secret.'),
  'X-GitHub-Event': optionalText("GitHub: the event type, which picks the source's key rule."),
  'X-GitHub-Delivery': optionalText('GitHub: the delivery id, the same on a redelivery.'),
};

/**
 * Verifies a GitHub webhook: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` with the
 * webhook's secret (any of the source's secrets, while one is rotated), compared in constant time. The event type is `X-GitHub-Event`, the delivery
 * id `X-GitHub-Delivery` (the same on a redelivery). GitHub signs no timestamp and neither header:
 * a replay may carry any delivery id, so replays are recognised by a hash of the signed body. A `application/x-www-form-urlencoded` delivery's
 * event is its `payload` field.
 */
export function verifyGitHub(req: Request, body: ReceivedBody, keys: readonly Uint8Array[]): VerifiedWebhook {
  const signature = req.get('x-hub-signature-256') ?? '';
  if (!signature.startsWith('sha256=') || !hmacHexMatches(keys, [body.raw], signature.slice('sha256='.length))) {
    throw signatureInvalid('X-Hub-Signature-256 is missing or does not match the body with any of this source\'s secrets.');
  }
  const deliveryId = req.get('x-github-delivery');
  const event = req.get('x-github-event');
  if (!deliveryId || !event) throw eventMalformed('A GitHub webhook carries X-GitHub-Event and X-GitHub-Delivery.');
  let data = body.data;
  if (body.contentType === 'application/x-www-form-urlencoded') {
    try {
      data = JSON.parse(String((data as { payload?: unknown }).payload));
    } catch {
      throw eventMalformed('A form-encoded GitHub webhook carries its event as JSON in `payload`.');
    }
  }
  return { event, deliveryId, replayId: bodyHashId(body.raw), data: eventObject(data, 'GitHub'), answer: 'json' };
}
