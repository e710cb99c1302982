import express from 'express';
import * as z from 'zod';
import { markHtmlRequests } from '../middleware/detect-html';
import { limitPerClientIp, RATE_LIMIT_PART } from '../middleware/rate-limit';
import type { ContractPart } from '../contract/contract-parts';
import { expressPath, HTTP_METHODS, type Answer, type RouteContract } from '../contract/route-contract';
import { CallbackError } from '../../protocol/errors';
import type { GatewayRateLimits } from '../rate-limiter';
import type { Logger } from '../logger';
import { BEGIN_SIGN_IN_PART, SIGN_IN_PATH } from '../sign-in/begin-sign-in';
import { FINISH_SIGN_IN_PART, finishSignIn } from '../sign-in/finish-sign-in';
import { OIDC_CALLBACK_PATH } from '../sign-in/oidc-sign-in';
import type { SignIn } from '../sign-in/sign-in';
import { ADMIT_PARTS, CALLBACK_PATH_PART, callbackPath, METHOD_REFUSED_PART } from './delivery';


const LOCATION = (description: string) => z.string().meta({ param: { description } });

const TO_PROVIDER: Answer = {
  description: "To the OpenID Connect provider's sign-in, with a `dcb_oidc` transaction cookie (HttpOnly, SameSite=Lax, 10 minutes, scoped to `/auth/oidc`).",
  headers: { Location: LOCATION("The provider's authorization URL (code flow, PKCE S256, state, nonce; `max_age` when the approval demands a fresh sign-in)."), 'Set-Cookie': LOCATION('`dcb_oidc`: the sign-in transaction.') },
};

const BACK_TO_PAGE: Answer = {
  description: 'Signed in: back to the approval page, with the `dcb_session` cookie (a signed JWT naming who signed in; HttpOnly, SameSite=Lax, Path=/, 8 hours, Secure under https).',
  headers: { Location: LOCATION('The approval page the sign-in began from.'), 'Set-Cookie': LOCATION('`dcb_session`, and `dcb_oidc` cleared.') },
};

/** What the provider sends back: RFC 6749 §4.1.2 (or its error, §4.1.2.1). */
const RETURN_PART: ContractPart = {
  query: {
    code: z.string().optional().meta({ param: { description: 'The authorization code (never logged).' } }),
    state: z.string().optional().meta({ param: { description: 'The state the gateway sent (never logged).' } }),
    error: z.string().optional().meta({ param: { description: 'The provider refused or the person cancelled: 403 `SIGN_IN_DENIED`.' } }),
  },
};

/** The contracts of the sign-in routes, for the OpenAPI document. */
export const SIGN_IN_ROUTE_CONTRACTS: readonly RouteContract[] = [
  ...callbackPath(
    SIGN_IN_PATH,
    {
      get: {
        summary: 'Sign in to decide an approval',
        description:
          "For an approval's URL that takes votes from signed-in people only: 303 to the organisation's OpenID Connect provider; its return (`/auth/oidc/callback`) brings the browser back to the approval page, signed in.",
        secured: true,
        parts: [CALLBACK_PATH_PART, ...ADMIT_PARTS, BEGIN_SIGN_IN_PART],
        answers: { 303: TO_PROVIDER },
        pageParts: [...ADMIT_PARTS, BEGIN_SIGN_IN_PART],
      },
    },
    'Sign-in',
  ),
  ...HTTP_METHODS.map(
    (method): RouteContract =>
      method === 'get'
        ? {
            method,
            path: OIDC_CALLBACK_PATH,
            tag: 'Sign-in',
            summary: "The provider's return from a sign-in (the redirect URI)",
            description:
              'Register `<GATEWAY_PUBLIC_URL>/auth/oidc/callback` at the provider. Checks the transaction cookie and `state`, exchanges the code (with the PKCE verifier) and validates the ID token (issuer, audience, nonce, `auth_time`), then sets the session cookie. A browser gets refusals as HTML pages.',
            parts: [RATE_LIMIT_PART, RETURN_PART, FINISH_SIGN_IN_PART],
            answers: { 303: BACK_TO_PAGE },
            pageParts: [RATE_LIMIT_PART, FINISH_SIGN_IN_PART],
          }
        : { method, path: OIDC_CALLBACK_PATH, tag: 'Sign-in', summary: `Refused: ${method.toUpperCase()} does not complete a sign-in`, parts: [METHOD_REFUSED_PART] },
  ),
];

/** What {@link signInRoutes} needs. */
export interface SignInRouteDeps {
  /** Sign-in, when the gateway has a provider; without it, the return route answers 503 `SIGN_IN_NOT_CONFIGURED`. */
  signIn?: SignIn;
  rateLimits?: GatewayRateLimits;
  /** Where a refused sign-in is noted (why, never the code or a cookie). */
  logger: Logger;
}

/** The provider's return route, `GET /auth/oidc/callback`; `/callbacks/{token}/sign-in` is mounted with the callback routes. */
export function signInRoutes(deps: SignInRouteDeps): express.Router {
  const router = express.Router();
  const refuse = (method: string) => {
    throw new CallbackError('METHOD_NOT_ALLOWED', `${method} does not complete a sign-in; the provider redirects the browser here with GET.`, { headers: { Allow: 'GET' } });
  };
  router
    .route(expressPath(OIDC_CALLBACK_PATH))
    // Express routes HEAD to GET handlers; a HEAD must never redeem a code.
    .get(markHtmlRequests, limitPerClientIp(deps.rateLimits?.perIp), (req, _res, next) => (req.method === 'HEAD' ? refuse('HEAD') : next()), finishSignIn(deps.signIn, deps.logger))
    .all((req) => refuse(req.method));
  return router;
}
