import { compactDecrypt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type CryptoKey } from 'jose';
import { CALLBACK_TOKEN_TYPE, CLOCK_TOLERANCE_SECONDS, MAX_TOKEN_LENGTH, tokenPayloadSchema, type CallbackClaims, type TokenIdentity } from './callback-token';
import { CallbackError } from './errors';
import { asKeyRing, KEY_ID_PATTERN, type KeyRing } from './key-ring';

/** Checks callback tokens; built once per gateway with an imported key ring. */
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

/**
 * A compact JWS (three segments) or JWE (five), base64url only. Checked before any decoding:
 * base64 decoders skip whitespace, so without it `<token>%0c` would verify like the token itself.
 */
const COMPACT_TOKEN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){2}(?:(?:\.[A-Za-z0-9_-]*){2})?$/;

const INVALID_MESSAGE = 'The callback URL is not valid: its token is malformed, altered, or was not issued by this service.';

function invalid(cause?: unknown): CallbackError {
  return new CallbackError('CALLBACK_TOKEN_INVALID', INVALID_MESSAGE, { cause });
}

/** The `kid` of a compact token's protected header, checked against {@link KEY_ID_PATTERN}. */
function keyIdOf(token: string): string {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch (err) {
    throw invalid(err);
  }
  if (typeof kid !== 'string' || !KEY_ID_PATTERN.test(kid)) throw invalid();
  return kid;
}

/**
 * Creates a {@link CallbackTokenVerifier} over a key ring (or a single HMAC key). The token's
 * `kid` is only ever looked up in the ring; each key verifies with its own algorithm alone, so
 * a token can never switch a key from signature to MAC. Every claim check is a `jose` option:
 * `typ`, issuer, audience, required claims and a bounded clock tolerance. Opaque tokens (JWE
 * `dir` + `A256GCM`) are decrypted first, then verified the same way.
 */
export function createCallbackTokenVerifier(keys: KeyRing | CryptoKey, options: VerifierOptions): CallbackTokenVerifier {
  const ring = asKeyRing(keys);

  async function decrypt(token: string): Promise<string> {
    const key = ring.encryption.get(keyIdOf(token));
    if (!key) throw invalid();
    try {
      const { plaintext, protectedHeader } = await compactDecrypt(token, key.key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      if (protectedHeader.cty !== 'JWT') throw invalid();
      return new TextDecoder().decode(plaintext);
    } catch (err) {
      throw invalid(err);
    }
  }

  return {
    async verify(token) {
      if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !COMPACT_TOKEN.test(token)) throw invalid();
      const parts = token.split('.').length;
      const signed = parts === 5 ? await decrypt(token) : parts === 3 ? token : undefined;
      if (signed === undefined) throw invalid();
      const key = ring.signing.get(keyIdOf(signed));
      if (!key) throw invalid();
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(signed, key.verifyKey, {
          algorithms: [key.alg],
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
        ...(claims.data.whs ? { signatureSender: claims.data.whs } : {}),
        ...(claims.data.run ? { executionChain: claims.data.run } : {}),
      };
    },
  };
}

/** Options for {@link cachingVerifier}. */
export interface VerifierCacheOptions {
  /** The most verified tokens remembered; the least recently used is forgotten first. Default 10,000. */
  maxEntries?: number;
  /** The clock expiry is checked against; for tests. */
  now?: () => number;
}

/**
 * Remembers the claims of tokens `verifier` accepted, until each token's own expiry, so the
 * requests a callback URL receives after its first (heartbeats, stream deliveries, retries) skip
 * the signature check, which costs tens of microseconds through WebCrypto. Safe because a token
 * is immutable and the key ring is fixed for the life of the process: what verified once verifies
 * again until `exp`. Refusals are never remembered.
 */
export function cachingVerifier(verifier: CallbackTokenVerifier, options: VerifierCacheOptions = {}): CallbackTokenVerifier {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const verified = new Map<string, CallbackClaims>();
  return {
    async verify(token) {
      const cached = verified.get(token);
      if (cached && cached.expiresAt.getTime() > now()) {
        verified.delete(token);
        verified.set(token, cached);
        return cached;
      }
      if (cached) verified.delete(token);
      const claims = await verifier.verify(token);
      verified.set(token, claims);
      if (verified.size > maxEntries) verified.delete(verified.keys().next().value!);
      return claims;
    },
  };
}
