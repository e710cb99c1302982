import type { CookieOptions, Request } from 'express';

/**
 * The gateway's two cookies, read without a cookie-parsing middleware (only the sign-in routes
 * and the approval page read them): the sign-in transaction, scoped to `/auth/oidc`, and the
 * session. Both are HttpOnly and `SameSite=Lax` (sent on the provider's top-level redirect back,
 * never on another site's POST), and `Secure` when the gateway's public URL is https.
 */

/** The session cookie: a JWT naming who signed in (see `session.ts`). */
export const SESSION_COOKIE = 'dcb_session';

/** The sign-in transaction cookie: PKCE verifier, state, nonce and where to return (see `sign-in-transaction.ts`). */
export const TRANSACTION_COOKIE = 'dcb_oidc';

/** The value of cookie `name` in the request's `Cookie` header, if it has one. */
export function readCookie(req: Request, name: string): string | undefined {
  for (const pair of (req.get('cookie') ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}

/** The attributes of one of the gateway's cookies on `path`, living `maxAgeMs`, under a public URL that is https or not. */
export function cookieOptions(path: string, maxAgeMs: number, secure: boolean): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure, path, maxAge: maxAgeMs };
}
