import type { RequestHandler } from 'express';
import { CallbackError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { authenticated, receivedBody } from '../request-state';
import { verifyWebhookSignature } from '../webhook-signature';

/**
 * For callbacks created with `requireSignature`, checks the request's Standard Webhooks signature
 * over the body as received, with the secret of the sender the token names (`secrets`, by sender
 * name); other callbacks pass. Runs after authentication and body reading. A token naming a
 * sender the gateway has no secret for is a deployment error: refused with `INTERNAL_ERROR` and
 * logged for the operator.
 */
export function checkWebhookSignature(secrets: ReadonlyMap<string, Uint8Array> | undefined, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const sender = authenticated(res).claims.signatureSender;
    if (sender === undefined) return next();
    const key = secrets?.get(sender);
    if (!key) {
      logger.error('callback requires a signature from an unknown sender; set WEBHOOK_SECRETS', { sender });
      throw new CallbackError('INTERNAL_ERROR', 'The gateway cannot check this callback\'s signature; the delivery was not accepted.');
    }
    verifyWebhookSignature(req, receivedBody(res).raw, key);
    next();
  };
}
