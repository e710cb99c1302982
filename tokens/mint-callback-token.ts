import { CompactEncrypt, SignJWT, type CryptoKey } from 'jose';
import { CALLBACK_TOKEN_TYPE, type CallbackClaims, type TokenIdentity, type TokenPayload } from './callback-token';
import { ConfigError } from '../config/config-error';
import { asKeyRing, type KeyRing } from '../keys/key-ring';

/** Signs (and, for opaque URLs, encrypts) callback tokens; built once per worker. */
export interface CallbackTokenMinter {
  /** Returns the token for `claims`: a compact JWS, or a compact JWE wrapping one. */
  mint(claims: CallbackClaims): Promise<string>;
}

/**
 * Creates a {@link CallbackTokenMinter} that signs with the ring's active key, naming it by
 * `kid` so verification finds it after rotation. With the ring's format `jwe`, the signed token
 * is then encrypted (`dir` + `A256GCM`) so the sender cannot read the workflow id or anything
 * else from its URL. Only the worker mints (through the `generateCallbackUrl` activity).
 * @throws {@link ConfigError} when the ring has no active key it can sign with.
 */
export function createCallbackTokenMinter(keys: KeyRing | CryptoKey, identity: TokenIdentity): CallbackTokenMinter {
  const ring = asKeyRing(keys);
  const signing = ring.activeSigningKid === undefined ? undefined : ring.signing.get(ring.activeSigningKid);
  if (!signing?.signKey) {
    throw new ConfigError('The key ring has no active signing key with private material, so it cannot mint callback URLs; set activeKid to a key the worker holds.');
  }
  const { kid, alg, signKey } = signing;
  const encryption = ring.format === 'jwe' && ring.activeEncryptionKid !== undefined ? ring.encryption.get(ring.activeEncryptionKid) : undefined;
  return {
    async mint(claims) {
      const payload: Omit<TokenPayload, 'sub' | 'jti' | 'exp'> = { ns: claims.namespace };
      if (claims.requiresApiKey) payload.akr = true;
      if (claims.allowGet) payload.get = true;
      if (claims.signatureSender) payload.whs = claims.signatureSender;
      if (claims.executionChain) payload.run = claims.executionChain;
      if (claims.link) payload.lnk = claims.link;
      if (claims.approval) {
        const { actionDigest, identity, maxAuthAgeSeconds } = claims.approval;
        payload.apv = { d: actionDigest, i: identity === 'signed-in' ? 's' : 'l', ...(maxAuthAgeSeconds === undefined ? {} : { m: maxAuthAgeSeconds }) };
      }
      const signed = await new SignJWT(payload)
        .setProtectedHeader({ alg, typ: CALLBACK_TOKEN_TYPE, kid })
        .setIssuer(identity.issuer)
        .setAudience(identity.audience)
        .setSubject(claims.workflowId)
        .setJti(claims.callbackId)
        .setIssuedAt()
        .setExpirationTime(Math.floor(claims.expiresAt.getTime() / 1000))
        .sign(signKey);
      if (!encryption) return signed;
      return new CompactEncrypt(new TextEncoder().encode(signed))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT', kid: encryption.kid })
        .encrypt(encryption.key);
    },
  };
}
