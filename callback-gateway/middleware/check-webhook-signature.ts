import type { RequestHandler } from 'express';
import { CallbackError } from '../../protocol/errors';
import type { Logger } from '../logger';
import { authenticated, receivedBody } from '../request-state';
import { verifyWebhookSignature } from '../webhook-signature';

/**
 * `Retry-After` for a callback whose signature sender has no secret: an operator has to add it
 * and redeploy, which takes minutes, not seconds.
 */
export const SENDER_NOT_CONFIGURED_RETRY_AFTER_SECONDS = 300;

/**
 * For callbacks created with `requireSignature`, checks the request's Standard Webhooks signature
 * over the body as received, with the secret of the sender the token names (`secrets`, by sender
 * name); other callbacks pass. Runs after authentication and body reading. A token naming a
 * sender the gateway has no secret for is refused with 503 `SIGNATURE_SENDER_NOT_CONFIGURED`
 * and `Retry-After` (the sender can retry once the secret is added), and logged at error level
 * once per sender name for this gateway, not on every retry.
 */
export function checkWebhookSignature(secrets: ReadonlyMap<string, Uint8Array> | undefined, logger: Logger): RequestHandler {
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
    verifyWebhookSignature(req, receivedBody(res).raw, key);
    next();
  };
}
