import type { Request } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import * as z from 'zod';
import { readCookie, TRANSACTION_COOKIE } from './cookies';

/**
 * One sign-in in flight, between the redirect to the provider and its return: the PKCE code
 * verifier, `state` and `nonce` the gateway sent, the sign-in age the approval demands, and the
 * callback path to return to. It lives in the browser, in the `dcb_oidc` cookie (HttpOnly,
 * scoped to `/auth/oidc`), as a JWT signed with the session secret (`typ`
 * {@link TRANSACTION_TYPE}), for {@link TRANSACTION_MAX_AGE_SECONDS}: nothing is kept on the gateway.
 */

/** The JWS `typ` of a sign-in transaction. */
export const TRANSACTION_TYPE = 'dcb-oidc-transaction+jwt';

/** How long a person has to sign in at the provider. */
export const TRANSACTION_MAX_AGE_SECONDS = 10 * 60;

/** What a sign-in transaction holds. */
export interface SignInTransaction {
  codeVerifier: string;
  state: string;
  nonce: string;
  /** The page to go back to: an approval's `/callbacks/<token>` path, with the query it was opened with, or `/inbox`. */
  returnPath: string;
  /** The approval's `maxAuthAgeSeconds`, sent as `max_age` and checked against `auth_time` on return. */
  maxAge?: number;
}

const transactionSchema = z.object({
  cv: z.string().min(43),
  st: z.string().min(1),
  nn: z.string().min(1),
  rp: z.string().regex(/^(\/callbacks\/[^/?#]+(\?[^#]*)?|\/inbox)$/),
  ma: z.int().min(0).optional(),
});

/** Signs `transaction` as the cookie value. */
export function sealTransaction(key: Uint8Array, transaction: SignInTransaction): Promise<string> {
  const { codeVerifier: cv, state: st, nonce: nn, returnPath: rp, maxAge: ma } = transaction;
  return new SignJWT({ cv, st, nn, rp, ...(ma === undefined ? {} : { ma }) })
    .setProtectedHeader({ alg: 'HS256', typ: TRANSACTION_TYPE })
    .setIssuedAt()
    .setExpirationTime(`${TRANSACTION_MAX_AGE_SECONDS}s`)
    .sign(key);
}

/** The request's sign-in transaction, or undefined when its cookie is missing, forged, malformed or expired. */
export async function openTransaction(req: Request, key: Uint8Array): Promise<SignInTransaction | undefined> {
  const cookie = readCookie(req, TRANSACTION_COOKIE);
  if (!cookie) return undefined;
  try {
    const { payload } = await jwtVerify(cookie, key, { algorithms: ['HS256'], typ: TRANSACTION_TYPE, maxTokenAge: TRANSACTION_MAX_AGE_SECONDS });
    const parsed = transactionSchema.safeParse(payload);
    if (!parsed.success) return undefined;
    const { cv, st, nn, rp, ma } = parsed.data;
    return { codeVerifier: cv, state: st, nonce: nn, returnPath: rp, ...(ma === undefined ? {} : { maxAge: ma }) };
  } catch {
    return undefined;
  }
}
