import type { Request } from 'express';
import type { WebhookSource } from './webhook-sources';
import type { ReceivedBody } from '../request-state';
import type { VerifiedWebhook } from './provider-signature';
import { verifyGitHub } from './verify-github';
import { verifySlack } from './verify-slack';
import { verifyStandardWebhook } from './verify-standard-webhooks';
import { verifyStripe } from './verify-stripe';

/**
 * Verifies a request to `POST /webhooks/:source` the way its provider signs, over the body as
 * received on the wire (before any Content-Encoding is undone), with any of the source's
 * secrets, and returns the event it proves. Nothing about the request is trusted before this.
 * @throws `CallbackError` `WEBHOOK_SIGNATURE_INVALID`, `WEBHOOK_TIMESTAMP_STALE` or `WEBHOOK_EVENT_MALFORMED`.
 */
export function verifyWebhook(source: WebhookSource, req: Request, body: ReceivedBody, nowSeconds = Math.floor(Date.now() / 1000)): VerifiedWebhook {
  switch (source.provider) {
    case 'github':
      return verifyGitHub(req, body, source.keys);
    case 'stripe':
      return verifyStripe(req, body, source.keys, nowSeconds);
    case 'slack':
      return verifySlack(req, body, source.keys, nowSeconds);
    case 'standard-webhooks':
      return verifyStandardWebhook(req, body, source.keys, source.eventPointer, nowSeconds);
  }
}
