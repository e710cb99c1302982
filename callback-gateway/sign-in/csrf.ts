import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The approval page's CSRF token: a synchronizer token derived, not stored, as
 * HMAC-SHA256(session secret, "csrf" ‖ session id ‖ callback id). It ties a signed-in vote to the
 * page the gateway showed that session for that callback: another site can make a browser POST
 * with its session cookie (`SameSite=Lax` already stops cross-site POSTs in current browsers;
 * this holds without relying on it) but cannot read the token.
 */
export function csrfTokenFor(secret: Uint8Array, sessionId: string, callbackId: string): string {
  return createHmac('sha256', secret).update(`csrf\0${sessionId}\0${callbackId}`).digest('base64url');
}

/** True when `given` is the CSRF token of this session and callback; compared in constant time. */
export function csrfTokenMatches(secret: Uint8Array, given: unknown, sessionId: string, callbackId: string): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(secret, sessionId, callbackId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
