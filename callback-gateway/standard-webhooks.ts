import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { CallbackError } from '../protocol/errors';
import { isFreshTimestamp, SIGNED_TIMESTAMP_TOLERANCE_SECONDS } from './signed-timestamp';

/** The prefix of Standard Webhooks secrets; the rest is the base64 key. */
export const STANDARD_WEBHOOKS_SECRET_PREFIX = 'whsec_';

/** Decodes a `whsec_…` secret to its key bytes, or throws with what is wrong. */
export function decodeStandardWebhooksSecret(secret: string): Buffer {
  if (!secret.startsWith(STANDARD_WEBHOOKS_SECRET_PREFIX)) throw new Error(`a Standard Webhooks secret starts with '${STANDARD_WEBHOOKS_SECRET_PREFIX}'`);
  const key = Buffer.from(secret.slice(STANDARD_WEBHOOKS_SECRET_PREFIX.length), 'base64');
  if (key.byteLength < 24) throw new Error('a Standard Webhooks secret holds at least 24 bytes (base64)');
  return key;
}

/** The v1 signature of `body` as Standard Webhooks defines it: HMAC-SHA256 over `id.timestamp.body`, base64. */
export function standardWebhooksSignature(key: Uint8Array, id: string, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/**
 * Checks a request's Standard Webhooks signature (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) against `key` (or any of several keys, while a secret is rotated): the
 * timestamp must be within `SIGNED_TIMESTAMP_TOLERANCE_SECONDS`, so a captured request cannot be
 * replayed later, and one of the `v1,` signatures must match one key's, each compared in constant
 * time. A replay within the window carries the same `webhook-id`, which the workflow applies once.
 */
export function verifyStandardWebhooksSignature(req: Request, rawBody: Buffer, key: Uint8Array | readonly Uint8Array[], nowSeconds = Math.floor(Date.now() / 1000)): void {
  const id = req.get('webhook-id');
  const timestamp = req.get('webhook-timestamp');
  const header = req.get('webhook-signature');
  if (!id || !timestamp || !header) {
    throw new CallbackError('SIGNATURE_MISSING', 'This callback requires a Standard Webhooks signature: send webhook-id, webhook-timestamp and webhook-signature.');
  }
  if (!isFreshTimestamp(timestamp, nowSeconds)) {
    throw new CallbackError(
      'SIGNATURE_TIMESTAMP_INVALID',
      `webhook-timestamp must be the signing time in Unix seconds, within ${SIGNED_TIMESTAMP_TOLERANCE_SECONDS} seconds of now.`,
    );
  }
  const keys = key instanceof Uint8Array ? [key] : key;
  const expected = keys.map((each) => Buffer.from(standardWebhooksSignature(each, id, timestamp, rawBody), 'base64'));
  const given = header
    .split(' ')
    .filter((candidate) => candidate.startsWith('v1,'))
    .map((candidate) => Buffer.from(candidate.slice(3), 'base64'));
  const matches = given.some((signature) => expected.some((each) => signature.byteLength === each.byteLength && timingSafeEqual(signature, each)));
  if (!matches) throw new CallbackError('SIGNATURE_INVALID', 'No webhook-signature matches the request body: check the sender signs with its secret as Standard Webhooks defines.');
}
