import type { Request, RequestHandler } from 'express';
import { EXECUTE_SCOPE, type ApiKeyInfo, type ApiKeyStore } from '../../api-keys';
import { CallbackError } from '../../protocol/errors';
import { tokenRefusalOf, type CallbackTokenVerifier } from '../../tokens/verify-callback-token';
import { refusing, type ContractPart } from '../contract/contract-parts';
import { requestState } from '../request-state';

/** The query parameter that may carry an API key, for senders that cannot set headers. */
export const API_KEY_QUERY_PARAM = 'api_key';

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** The API key presented with a request: `X-API-Key`, then `Authorization: Bearer`, then `?api_key=`. */
export function presentedApiKey(req: Request): string | undefined {
  const header = req.get('x-api-key');
  if (header) return header.trim();
  const authorization = req.get('authorization');
  const bearer = authorization && /^Bearer\s+(.+)$/i.exec(authorization.trim());
  if (bearer) return bearer[1];
  return firstString((req.query as Record<string, unknown>)[API_KEY_QUERY_PARAM]);
}

/**
 * What {@link authenticate} refuses: the token (invalid or expired), then a required API key
 * (missing, unknown, revoked, expired, without the scope), or a key store that fails. The key's
 * presentations are the document's security schemes, not parameters.
 */
export const AUTHENTICATE_PART: ContractPart = {
  refusals: refusing('CALLBACK_TOKEN_INVALID', 'CALLBACK_TOKEN_EXPIRED', 'API_KEY_MISSING', 'API_KEY_INVALID', 'API_KEY_REVOKED', 'API_KEY_EXPIRED', 'API_KEY_FORBIDDEN', 'INTERNAL_ERROR'),
};

/**
 * Verifies the callback token in the path, then the API key when the token requires one, and
 * records both on the request state, where handlers read them with `authenticated`. Runs before
 * the body is read, so a request without a valid token costs no body parsing and learns nothing
 * about any workflow. A callback that requires no key ignores any credentials a sender attaches
 * for its own reasons.
 */
export function authenticate(verifier: CallbackTokenVerifier, apiKeys: ApiKeyStore): RequestHandler<{ token: string }> {
  return async (req, res, next) => {
    const state = requestState(res);
    let claims: Awaited<ReturnType<CallbackTokenVerifier['verify']>>;
    try {
      claims = await verifier.verify(req.params.token);
    } catch (err) {
      // The sender's answer stays the code alone; the reason (and key id) is for the request's log line.
      const refusal = tokenRefusalOf(err);
      if (refusal) state.tokenRefusal = refusal;
      throw err;
    }
    // Recorded before the key is checked, so a refused key is still logged with its workflow.
    state.claims = claims;
    let apiKey: ApiKeyInfo | undefined;
    if (claims.requiresApiKey) {
      const presented = presentedApiKey(req);
      if (!presented) {
        throw new CallbackError(
          'API_KEY_MISSING',
          'This callback requires an API key: send it in the X-API-Key header, as Authorization: Bearer, or as the api_key query parameter.',
        );
      }
      apiKey = await apiKeys.verify(presented, EXECUTE_SCOPE);
    }
    state.callback = { claims, apiKey };
    next();
  };
}
