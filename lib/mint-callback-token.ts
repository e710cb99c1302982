import { SignJWT, type CryptoKey } from 'jose';
import {
  CALLBACK_TOKEN_ALGORITHM,
  CALLBACK_TOKEN_TYPE,
  type CallbackClaims,
  type TokenIdentity,
  type TokenPayload,
} from './callback-token';

/** Signs callback tokens; built once per worker with an imported key. */
export interface CallbackTokenMinter {
  /** Returns a compact JWS for `claims`. */
  mint(claims: CallbackClaims): Promise<string>;
}

/**
 * Creates a {@link CallbackTokenMinter} for `key`, the HMAC key from `importSigningKey`.
 * Only the worker (through the `generateCallbackUrl` activity) mints.
 */
export function createCallbackTokenMinter(key: CryptoKey, identity: TokenIdentity): CallbackTokenMinter {
  return {
    async mint(claims) {
      const payload: Omit<TokenPayload, 'sub' | 'jti' | 'exp'> = { ns: claims.namespace };
      if (claims.requiresApiKey) payload.akr = true;
      if (claims.allowGet) payload.get = true;
      return new SignJWT(payload)
        .setProtectedHeader({ alg: CALLBACK_TOKEN_ALGORITHM, typ: CALLBACK_TOKEN_TYPE })
        .setIssuer(identity.issuer)
        .setAudience(identity.audience)
        .setSubject(claims.workflowId)
        .setJti(claims.callbackId)
        .setIssuedAt()
        .setExpirationTime(Math.floor(claims.expiresAt.getTime() / 1000))
        .sign(key);
    },
  };
}
