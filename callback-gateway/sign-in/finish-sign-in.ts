import type { RequestHandler } from 'express';
import { CallbackError, isCallbackError } from '../../protocol/errors';
import type { VerifiedApprover } from '../../protocol/approval-messages';
import type { Logger } from '../logger';
import { requestState } from '../request-state';
import { signInFailureReason } from './oidc-sign-in';
import { refusing, type ContractPart } from '../contract/contract-parts';
import { cookieOptions, SESSION_COOKIE, TRANSACTION_COOKIE } from './cookies';
import { issueSession, SESSION_MAX_AGE_SECONDS } from './session';
import type { SignIn } from './sign-in';
import { openTransaction } from './sign-in-transaction';
import { signInNotConfigured } from './begin-sign-in';

/** What {@link finishSignIn} refuses with. */
export const FINISH_SIGN_IN_PART: ContractPart = {
  refusals: {
    ...refusing('SIGN_IN_EXPIRED', 'SIGN_IN_STATE_MISMATCH', 'SIGN_IN_DENIED', 'SIGN_IN_FAILED'),
    SIGN_IN_NOT_CONFIGURED: ['Retry-After'],
    SIGN_IN_PROVIDER_UNAVAILABLE: ['Retry-After'],
  },
};

/**
 * `GET /auth/oidc/callback`: where the provider sends the browser back. Reads and clears the
 * transaction cookie (one sign-in, one return), exchanges the code and validates the ID token
 * (see `OidcSignIn.complete`), sets the `dcb_session` cookie (8 hours, `Path=/`, HttpOnly,
 * `SameSite=Lax`, `Secure` under https) and answers `303` back to the approval page. A refused
 * return is logged with why (the OAuth error or the check that failed); nothing it logs holds the
 * code, the state or a cookie.
 */
export function finishSignIn(signIn: SignIn | undefined, logger: Logger): RequestHandler {
  return async (req, res) => {
    if (!signIn) throw signInNotConfigured();
    const transaction = await openTransaction(req, signIn.sessionKey);
    res.clearCookie(TRANSACTION_COOKIE, { ...cookieOptions(`${signIn.basePath}/auth/oidc`, 0, signIn.secureCookies), maxAge: undefined });
    if (!transaction) {
      throw new CallbackError('SIGN_IN_EXPIRED', 'This sign-in was not begun in this browser, or took longer than ten minutes; nothing was recorded. Go back to the approval link and sign in again.');
    }
    const currentUrl = new URL(signIn.oidc.redirectUri);
    currentUrl.search = new URL(req.originalUrl, 'http://gateway.invalid').search;
    let approver: VerifiedApprover;
    try {
      approver = await signIn.oidc.complete(currentUrl, transaction);
    } catch (err) {
      // A refused sign-in is the person's (a 4xx, not logged as a failure) unless it is the setup's (a wrong client secret: invalid_client): say why, for the operator.
      if (isCallbackError(err) && err.status < 500) {
        logger.warn('sign-in refused', { requestId: requestState(res).requestId, code: err.code, reason: signInFailureReason(err.cause) });
      }
      throw err;
    }
    const { cookie } = await issueSession(signIn.sessionKey, approver);
    res.cookie(SESSION_COOKIE, cookie, cookieOptions(signIn.basePath || '/', SESSION_MAX_AGE_SECONDS * 1000, signIn.secureCookies));
    res.redirect(303, `${signIn.basePath}${transaction.returnPath}`);
  };
}
