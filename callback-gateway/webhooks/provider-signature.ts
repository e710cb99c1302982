import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { CallbackError } from '../../protocol/errors';
import { isFreshTimestamp, SIGNED_TIMESTAMP_TOLERANCE_SECONDS } from '../signed-timestamp';

/**
 * What the provider verifiers share: the HMAC comparison every provider's scheme comes down to,
 * the replay window, and the refusals.
 */

/** What a provider's request proved once its signature verified: the event, its type and its delivery id. */
export interface VerifiedWebhook {
  /** The event type (GitHub `X-GitHub-Event`, Stripe `type`, Slack `payload.type`, a pointer into a Standard Webhooks body). */
  event: string | undefined;
  /** The provider's delivery id: one per event, the same on every retry. */
  deliveryId: string;
  /**
   * An id made of signed content only: the same for every retry of one event and for every
   * replay of one captured request, whatever unsigned headers a replay changes. The provider's
   * own id where it is signed (Stripe's event `id`, `webhook-id`, Slack's `event_id` or a hash of
   * the signed body); for GitHub, which signs only the body, a hash of the body.
   */
  replayId: string;
  /** The verified event the key template reads: the JSON body, or Slack's parsed `payload`. */
  data: unknown;
  /** How the provider expects to be answered: `json` (`202` with what happened) or `empty` (`200`, no body: Slack interactivity). */
  answer: 'json' | 'empty';
  /** Slack's `url_verification`: the challenge to echo, the only answer Slack accepts. */
  challenge?: string;
}

/** `WEBHOOK_SIGNATURE_INVALID` with what to check. */
export function signatureInvalid(message: string): CallbackError {
  return new CallbackError('WEBHOOK_SIGNATURE_INVALID', message);
}

/** `WEBHOOK_EVENT_MALFORMED`: verified, but not what the provider sends. */
export function eventMalformed(message: string): CallbackError {
  return new CallbackError('WEBHOOK_EVENT_MALFORMED', message);
}

/**
 * `WEBHOOK_KEY_MALFORMED`: the key the source's rule derives from a verified event is not
 * well-formed Unicode (`resolveWebhookKey` answered `malformed`), so it is refused before anything
 * reaches Temporal rather than routed to the mailbox of the key with U+FFFD in its place.
 */
export function keyMalformed(): CallbackError {
  return new CallbackError(
    'WEBHOOK_KEY_MALFORMED',
    "The event's key values must be well-formed Unicode, and one of them holds a lone UTF-16 surrogate (such as a JSON \\ud800 escape); nothing was held.",
  );
}

/**
 * True when `givenHex` is the hex HMAC-SHA256 of `parts` under any of `keys` (a source's secrets,
 * several while one is rotated), each comparison in constant time.
 */
export function hmacHexMatches(keys: readonly Uint8Array[], parts: ReadonlyArray<string | Buffer>, givenHex: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(givenHex)) return false;
  const given = Buffer.from(givenHex, 'hex');
  return keys.some((key) => {
    const hmac = createHmac('sha256', key);
    for (const part of parts) hmac.update(part);
    return timingSafeEqual(hmac.digest(), given);
  });
}

/** Refuses a signed Unix-seconds timestamp outside `SIGNED_TIMESTAMP_TOLERANCE_SECONDS` (Stripe's and Slack's own five minutes), checked after its signature verified. */
export function checkFreshness(seconds: string, header: string, nowSeconds: number): void {
  if (!isFreshTimestamp(seconds, nowSeconds)) {
    throw new CallbackError(
      'WEBHOOK_TIMESTAMP_STALE',
      `${header} is more than ${SIGNED_TIMESTAMP_TOLERANCE_SECONDS} seconds from the gateway's clock: a replayed request, or a clock far off.`,
    );
  }
}

/** A delivery id from a hash of the signed body, for providers that send none: the same request always gets the same id. */
export function bodyHashId(raw: Buffer): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/** The JSON object a provider sent, or `WEBHOOK_EVENT_MALFORMED`. */
export function eventObject(data: unknown, provider: string): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw eventMalformed(`A ${provider} webhook's body is a JSON object; this one is not.`);
  return data as Record<string, unknown>;
}
