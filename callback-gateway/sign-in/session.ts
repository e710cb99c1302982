import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import * as z from 'zod';
import type { VerifiedApprover } from '../../protocol/approval-messages';
import { readCookie, SESSION_COOKIE } from './cookies';

/**
 * The session a person gets by signing in: a JWT (HS256 with the session secret, `typ`
 * {@link SESSION_TYPE}) in the `dcb_session` cookie, naming the {@link VerifiedApprover} the ID
 * token proved, for at most {@link SESSION_MAX_AGE_SECONDS}. Nothing is stored on the gateway, so
 * any gateway replica with the same secret reads it, and nothing a person holds can be turned
 * into a session without the secret.
 */

/** The JWS `typ` of a session, so no other JWT signed with the same secret (a callback token, an ID token) passes as one. */
export const SESSION_TYPE = 'dcb-session+jwt';

/** The longest a session lasts: a working day. */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

const SESSION_AUDIENCE = 'durable-callbacks-session';

/** One signed-in person, as a valid session cookie names them. */
export interface Session {
  /** The session's id (`jti`): what its CSRF tokens are derived from. */
  id: string;
  approver: VerifiedApprover;
  expiresAt: Date;
}

/** What a request's session cookie says: none, one that does not verify, or a session. */
export type SessionLookup = { kind: 'none' } | { kind: 'invalid' } | { kind: 'valid'; session: Session };

const approverSchema = z.object({
  issuer: z.string(),
  subject: z.string(),
  email: z.string().optional(),
  emailVerified: z.boolean().optional(),
  name: z.string().optional(),
  groups: z.array(z.string()).optional(),
  via: z.literal('oidc'),
  authTime: z.string().optional(),
});

/** Signs a session for `approver` (from a validated ID token); returns the cookie value and its id. */
export async function issueSession(key: Uint8Array, approver: VerifiedApprover): Promise<{ cookie: string; session: Session }> {
  const id = randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const cookie = await new SignJWT({ apr: approver })
    .setProtectedHeader({ alg: 'HS256', typ: SESSION_TYPE })
    .setJti(id)
    .setIssuer(approver.issuer)
    .setSubject(approver.subject)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + SESSION_MAX_AGE_SECONDS)
    .sign(key);
  return { cookie, session: { id, approver, expiresAt: new Date((now + SESSION_MAX_AGE_SECONDS) * 1000) } };
}

/**
 * Reads the request's session cookie: valid only when signed with `key`, of type
 * {@link SESSION_TYPE}, unexpired, and made for a person of `issuer` (a session from a provider
 * the gateway no longer uses does not count).
 */
export async function readSession(req: Request, key: Uint8Array, issuer: string): Promise<SessionLookup> {
  const cookie = readCookie(req, SESSION_COOKIE);
  if (!cookie) return { kind: 'none' };
  try {
    const { payload } = await jwtVerify(cookie, key, { algorithms: ['HS256'], typ: SESSION_TYPE, issuer, audience: SESSION_AUDIENCE, maxTokenAge: SESSION_MAX_AGE_SECONDS, requiredClaims: ['jti', 'exp', 'sub'] });
    const approver = approverSchema.safeParse(payload.apr);
    if (!approver.success || approver.data.issuer !== issuer || approver.data.subject !== payload.sub) return { kind: 'invalid' };
    return { kind: 'valid', session: { id: payload.jti!, approver: approver.data, expiresAt: new Date(payload.exp! * 1000) } };
  } catch {
    return { kind: 'invalid' };
  }
}

/**
 * Whether a sign-in at `authTime` (ISO) is older than an approval's `maxAgeSeconds` allows; an
 * unknown sign-in time is, when an age is demanded. Allows the 30 s of clock skew openid-client
 * allows when it checks `auth_time` at sign-in.
 */
export function signInTooOld(authTime: string | undefined, maxAgeSeconds: number | undefined): boolean {
  if (maxAgeSeconds === undefined) return false;
  if (authTime === undefined) return true;
  return Date.now() - Date.parse(authTime) > (maxAgeSeconds + 30) * 1000;
}
