import type { RequestHandler } from 'express';
import { CallbackError } from '../../protocol/errors';
import { WEBHOOK_ID_HEADER } from '../build-delivery';
import type { Logger } from '../logger';
import { optionalText, refusing, type ContractPart, type Refusals } from '../contract/contract-parts';
import { authenticated, receivedBody } from '../request-state';
import { SIGNED_TIMESTAMP_TOLERANCE_SECONDS } from '../signed-timestamp';
import { verifyStandardWebhooksSignature } from '../standard-webhooks';

/**
 * `Retry-After` for a callback whose signature sender has no secret: an operator has to add it
 * and redeploy, which takes minutes, not seconds.
 */
export const SENDER_NOT_CONFIGURED_RETRY_AFTER_SECONDS = 300;

/** What the signature check refuses: a signature missing or wrong, a stale timestamp, a sender with no secret (`Retry-After`). */
export const SIGNATURE_REFUSALS: Refusals = {
  ...refusing('SIGNATURE_MISSING', 'SIGNATURE_INVALID', 'SIGNATURE_TIMESTAMP_INVALID'),
  SIGNATURE_SENDER_NOT_CONFIGURED: ['Retry-After'],
};

/**
 * What {@link checkCallbackSignature} reads and refuses. Only a callback that requires a signature
 * reads the headers (any other ignores them, whatever they hold), so none is required, and none
 * has a format beyond what the signature check refuses.
 */
export const SIGNATURE_PART: ContractPart = {
  headers: {
    'webhook-id': WEBHOOK_ID_HEADER,
    'webhook-timestamp': optionalText(
      `Standard Webhooks signing time, Unix seconds, within ${SIGNED_TIMESTAMP_TOLERANCE_SECONDS} s of the gateway's clock. Read only for a callback that requires a signature.`,
    ),
    'webhook-signature': optionalText(
      'Standard Webhooks signatures (`v1,<base64>`, space-separated) over `id.timestamp.body`. Read only for a callback that requires a signature.',
    ),
  },
  refusals: SIGNATURE_REFUSALS,
};

/**
 * For callbacks created with `requireSignature`, checks the request's Standard Webhooks signature
 * over the body as received, with the secret of the sender the token names (`secrets`, by sender
 * name); other callbacks pass. Runs after authentication and body reading. A token naming a
 * sender the gateway has no secret for is refused with 503 `SIGNATURE_SENDER_NOT_CONFIGURED`
 * and `Retry-After` (the sender can retry once the secret is added), and logged at error level
 * once per sender name for this gateway, not on every retry.
 */
export function checkCallbackSignature(secrets: ReadonlyMap<string, Uint8Array> | undefined, logger: Logger): RequestHandler {
  // Sender names come from tokens the gateway verified (minted by its workers), so this stays small.
  const reported = new Set<string>();
  return (req, res, next) => {
    const sender = authenticated(res).claims.signatureSender;
    if (sender === undefined) return next();
    const key = secrets?.get(sender);
    if (!key) {
      if (!reported.has(sender)) {
        reported.add(sender);
        logger.error('callback requires a signature from a sender with no secret; add it to WEBHOOK_SECRETS (logged once per sender)', { sender });
      }
      throw new CallbackError(
        'SIGNATURE_SENDER_NOT_CONFIGURED',
        "The gateway has no secret (WEBHOOK_SECRETS) for the sender whose signature this callback requires, so it cannot check the request; nothing was delivered. Retry later: the gateway's operators must add the secret.",
        { retryAfterSeconds: SENDER_NOT_CONFIGURED_RETRY_AFTER_SECONDS },
      );
    }
    verifyStandardWebhooksSignature(req, receivedBody(res).raw, key);
    next();
  };
}
