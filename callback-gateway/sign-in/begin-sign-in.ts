import type { RequestHandler } from 'express';
import { CallbackError } from '../../protocol/errors';
import { refusing, type ContractPart } from '../contract/contract-parts';
import { authenticated } from '../request-state';
import { cookieOptions, TRANSACTION_COOKIE } from './cookies';
import type { SignIn } from './sign-in';
import { sealTransaction, TRANSACTION_MAX_AGE_SECONDS } from './sign-in-transaction';

/** The path (OpenAPI template) that begins a sign-in for an approval's URL, behind the callback routes' token check. */
export const SIGN_IN_PATH = '/callbacks/{token}/sign-in';

/** What {@link beginSignIn} refuses: a URL that takes no signed-in votes, a gateway without a provider, a provider it cannot reach. */
export const BEGIN_SIGN_IN_PART: ContractPart = {
  refusals: { ...refusing('SIGN_IN_NOT_NEEDED'), SIGN_IN_NOT_CONFIGURED: ['Retry-After'], SIGN_IN_PROVIDER_UNAVAILABLE: ['Retry-After'] },
};

/** The query string of `url` (`?…`, or '' without one). */
export function queryOf(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at);
}

/** The refusal of an approval that takes signed-in votes when the gateway has no provider to sign in with. */
export function signInNotConfigured(): CallbackError {
  return new CallbackError(
    'SIGN_IN_NOT_CONFIGURED',
    'This approval takes votes only from people who sign in, and this gateway has no sign-in provider configured (OIDC_ISSUER); nothing was recorded. Tell whoever runs it.',
    { retryAfterSeconds: 300 },
  );
}

/**
 * `GET /callbacks/{token}/sign-in` (after the token is admitted): begins a sign-in for an
 * approval that takes signed-in votes. Keeps the transaction in the `dcb_oidc` cookie (10
 * minutes, `Path=<base>/auth/oidc`) and answers `303` to the provider's authorization URL, with
 * `max_age` (and `prompt=login` at 0) when the approval demands a fresh sign-in.
 */
export function beginSignIn(signIn: SignIn | undefined): RequestHandler {
  return async (req, res) => {
    const { claims } = authenticated(res);
    if (claims.approval?.identity !== 'signed-in') {
      throw new CallbackError('SIGN_IN_NOT_NEEDED', 'This link is not an approval that asks you to sign in; open the link itself.');
    }
    if (!signIn) throw signInNotConfigured();
    // Back to the page the link was on, its query included (an `?api_key=` the callback requires keeps working).
    const returnPath = `/callbacks/${req.params.token as string}${queryOf(req.originalUrl)}`;
    const { url, transaction } = await signIn.oidc.begin(returnPath, claims.approval.maxAuthAgeSeconds);
    const cookie = await sealTransaction(signIn.sessionKey, transaction);
    res.cookie(TRANSACTION_COOKIE, cookie, cookieOptions(`${signIn.basePath}/auth/oidc`, TRANSACTION_MAX_AGE_SECONDS * 1000, signIn.secureCookies));
    res.redirect(303, url.href);
  };
}
