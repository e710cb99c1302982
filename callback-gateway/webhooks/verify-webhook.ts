import type { Request } from 'express';
import type { WebhookProvider, WebhookSource } from './webhook-sources';
import { refusing, type ContractPart, type ParameterShape } from '../contract/contract-parts';
import type { ReceivedBody } from '../request-state';
import type { VerifiedWebhook } from './provider-signature';
import { GITHUB_HEADERS, verifyGitHub } from './verify-github';
import { SLACK_HEADERS, verifySlack } from './verify-slack';
import { STANDARD_WEBHOOKS_HEADERS, verifyStandardWebhook } from './verify-standard-webhooks';
import { STRIPE_HEADERS, verifyStripe } from './verify-stripe';

/** The headers each provider's check reads: a source reads its provider's, and ignores the others. */
const PROVIDER_HEADERS: Record<WebhookProvider, ParameterShape> = {
  github: GITHUB_HEADERS,
  stripe: STRIPE_HEADERS,
  slack: SLACK_HEADERS,
  'standard-webhooks': STANDARD_WEBHOOKS_HEADERS,
};

/** What {@link verifyWebhook} reads and refuses: every provider's headers, and a signature, timestamp or event that does not hold. */
export const VERIFY_WEBHOOK_PART: ContractPart = {
  headers: Object.assign({}, ...Object.values(PROVIDER_HEADERS)),
  refusals: refusing('WEBHOOK_SIGNATURE_INVALID', 'WEBHOOK_TIMESTAMP_STALE', 'WEBHOOK_EVENT_MALFORMED'),
};

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
