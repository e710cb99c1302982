import { errors as joseErrors, jwtVerify, type CryptoKey } from 'jose';
import {
  CALLBACK_TOKEN_ALGORITHM,
  CALLBACK_TOKEN_TYPE,
  CLOCK_TOLERANCE_SECONDS,
  MAX_TOKEN_LENGTH,
  tokenPayloadSchema,
  type CallbackClaims,
  type TokenIdentity,
} from './callback-token';
import { CallbackError } from './errors';

/** Checks callback tokens; built once per gateway with an imported key. */
export interface CallbackTokenVerifier {
  /**
   * Returns the token's claims, or throws a {@link CallbackError} with code
   * `CALLBACK_TOKEN_EXPIRED` or `CALLBACK_TOKEN_INVALID`.
   */
  verify(token: string): Promise<CallbackClaims>;
}

/** Options for {@link createCallbackTokenVerifier}. */
export interface VerifierOptions extends TokenIdentity {
  /** The Temporal namespace this gateway signals into; tokens for any other are refused. */
  namespace: string;
  /** The clock to check `exp` against; for tests. */
  currentDate?: () => Date;
}

const INVALID_MESSAGE = 'The callback URL is not valid: its token is malformed, altered, or was not issued by this service.';

function invalid(cause?: unknown): CallbackError {
  return new CallbackError('CALLBACK_TOKEN_INVALID', INVALID_MESSAGE, { cause });
}

/**
 * Creates a {@link CallbackTokenVerifier}. Every check is a `jose` option: the algorithm
 * allow-list, `typ`, issuer, audience, required claims and a bounded clock tolerance.
 */
export function createCallbackTokenVerifier(key: CryptoKey, options: VerifierOptions): CallbackTokenVerifier {
  return {
    async verify(token) {
      if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalid();
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: [CALLBACK_TOKEN_ALGORITHM],
          typ: CALLBACK_TOKEN_TYPE,
          issuer: options.issuer,
          audience: options.audience,
          requiredClaims: ['exp', 'iat', 'jti', 'sub'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: options.currentDate?.(),
        }));
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) {
          throw new CallbackError('CALLBACK_TOKEN_EXPIRED', 'The callback URL has expired; the workflow no longer accepts deliveries through it.', {
            cause: err,
          });
        }
        throw invalid(err);
      }
      const claims = tokenPayloadSchema.safeParse(payload);
      if (!claims.success) throw invalid(claims.error);
      if (claims.data.ns !== options.namespace) {
        throw new CallbackError('CALLBACK_TOKEN_INVALID', 'The callback URL was issued for a different Temporal namespace than this gateway serves.');
      }
      return {
        namespace: claims.data.ns,
        workflowId: claims.data.sub,
        callbackId: claims.data.jti,
        expiresAt: new Date(claims.data.exp * 1000),
        requiresApiKey: claims.data.akr === true,
        allowGet: claims.data.get === true,
      };
    },
  };
}
