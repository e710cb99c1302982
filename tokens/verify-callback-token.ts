import { compactDecrypt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type CryptoKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { CALLBACK_TOKEN_TYPE, CLOCK_TOLERANCE_SECONDS, MAX_TOKEN_LENGTH, tokenPayloadSchema, type CallbackClaims, type TokenIdentity, type TokenPayload } from './callback-token';
import type { ApprovalBinding } from '../protocol/approval-messages';
import { CallbackError, isCallbackError } from '../protocol/errors';
import { asKeyRing, KEY_ID_PATTERN, type KeyRing } from '../keys/key-ring';

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

/**
 * Why the gateway refused a callback token, for its own log line: senders get only the code
 * (`CALLBACK_TOKEN_INVALID` or `CALLBACK_TOKEN_EXPIRED`), operators get the reason. Stable strings:
 * - `malformed`: not a compact token, an unreadable header, or no usable `kid`;
 * - `unknown-kid`: signed (or encrypted) with a key id this gateway does not have;
 * - `algorithm`: the header's algorithm is not the one this key id verifies with;
 * - `signature`: the key id is known but the signature does not match (a different secret);
 * - `decryption`: an opaque token that the encryption key with its id does not decrypt;
 * - `expired`: `exp` has passed;
 * - `issuer` / `audience`: `iss` / `aud` differ from this gateway's `CALLBACK_TOKEN_ISSUER` / `CALLBACK_TOKEN_AUDIENCE`;
 * - `claims`: another claim is missing or wrong (`typ`, `iat`, `jti`, `sub`, the payload's shape);
 * - `namespace`: minted for another Temporal namespace than this gateway serves.
 */
export type TokenRefusalReason =
  | 'malformed'
  | 'unknown-kid'
  | 'algorithm'
  | 'signature'
  | 'decryption'
  | 'expired'
  | 'issuer'
  | 'audience'
  | 'claims'
  | 'namespace';

/** What a refused token's error says about the refusal: why, and the id of the key it named. Never the token. */
export interface TokenRefusal {
  reason: TokenRefusalReason;
  /** The `kid` of the token's header, when it has one of the permitted form ({@link KEY_ID_PATTERN}). */
  kid?: string;
}

/**
 * A refused callback token: a {@link CallbackError} (same code, status and message as before, so
 * senders see nothing new) that also carries the {@link TokenRefusal} for the gateway's log.
 */
export class CallbackTokenRefused extends CallbackError implements TokenRefusal {
  readonly reason: TokenRefusalReason;
  readonly kid?: string;

  constructor(code: 'CALLBACK_TOKEN_INVALID' | 'CALLBACK_TOKEN_EXPIRED', message: string, refusal: TokenRefusal, cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
    this.reason = refusal.reason;
    if (refusal.kid !== undefined) this.kid = refusal.kid;
  }
}

/** The {@link TokenRefusal} an error carries, if it is a refused token; checked by fields, so it works across module copies. */
export function tokenRefusalOf(err: unknown): TokenRefusal | undefined {
  if (!isCallbackError(err) || (err.code !== 'CALLBACK_TOKEN_INVALID' && err.code !== 'CALLBACK_TOKEN_EXPIRED')) return undefined;
  const { reason, kid } = err as Partial<TokenRefusal>;
  if (typeof reason !== 'string') return undefined;
  return { reason, ...(typeof kid === 'string' ? { kid } : {}) };
}

function invalid(reason: TokenRefusalReason, kid?: string, cause?: unknown): CallbackError {
  return new CallbackTokenRefused('CALLBACK_TOKEN_INVALID', INVALID_MESSAGE, { reason, ...(kid === undefined ? {} : { kid }) }, cause);
}

/** The refusal reason for an error `jose` threw while verifying or decrypting. */
function joseReason(err: unknown): TokenRefusalReason {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return err.claim === 'iss' ? 'issuer' : err.claim === 'aud' ? 'audience' : 'claims';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature';
  if (err instanceof joseErrors.JWEDecryptionFailed) return 'decryption';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm';
  return 'malformed';
}

/** The `kid` of a compact token's protected header, checked against {@link KEY_ID_PATTERN}. */
function keyIdOf(token: string): string {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch (err) {
    throw invalid('malformed', undefined, err);
  }
  if (typeof kid !== 'string' || !KEY_ID_PATTERN.test(kid)) throw invalid('malformed');
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
    const kid = keyIdOf(token);
    const key = ring.encryption.get(kid);
    if (!key) throw invalid('unknown-kid', kid);
    let decrypted: Awaited<ReturnType<typeof compactDecrypt>>;
    try {
      decrypted = await compactDecrypt(token, key.key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
    } catch (err) {
      throw invalid(joseReason(err), kid, err);
    }
    if (decrypted.protectedHeader.cty !== 'JWT') throw invalid('malformed', kid);
    return new TextDecoder().decode(decrypted.plaintext);
  }

  return {
    async verify(token) {
      if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !COMPACT_TOKEN.test(token)) throw invalid('malformed');
      const parts = token.split('.').length;
      const signed = parts === 5 ? await decrypt(token) : parts === 3 ? token : undefined;
      if (signed === undefined) throw invalid('malformed');
      const kid = keyIdOf(signed);
      const key = ring.signing.get(kid);
      if (!key) throw invalid('unknown-kid', kid);
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
          throw new CallbackTokenRefused(
            'CALLBACK_TOKEN_EXPIRED',
            'The callback URL has expired; the workflow no longer accepts deliveries through it.',
            { reason: 'expired', kid },
            err,
          );
        }
        throw invalid(joseReason(err), kid, err);
      }
      const claims = tokenPayloadSchema.safeParse(payload);
      if (!claims.success) throw invalid('claims', kid, claims.error);
      if (claims.data.ns !== options.namespace) {
        throw new CallbackTokenRefused(
          'CALLBACK_TOKEN_INVALID',
          'The callback URL was issued for a different Temporal namespace than this gateway serves.',
          { reason: 'namespace', kid },
        );
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
        ...(claims.data.apv ? { approval: approvalOf(claims.data.apv) } : {}),
        ...(claims.data.lnk ? { link: claims.data.lnk } : {}),
      };
    },
  };
}

/** Options for {@link cachingVerifier}. */
export interface VerifierCacheOptions {
  /** The most verified tokens remembered (a positive integer); the least recently used is forgotten first. Default 10,000. */
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
  const now = options.now ?? Date.now;
  // Each entry's ttl is set to its token's expiry; ttlResolution 0 reads the clock on every look-up.
  const verified = new LRUCache<string, CallbackClaims>({ max: options.maxEntries ?? 10_000, ttlResolution: 0, perf: { now } });
  return {
    async verify(token) {
      const cached = verified.get(token);
      if (cached) return cached;
      const claims = await verifier.verify(token);
      // lru-cache forgets an entry once strictly more than its ttl has passed; a token is expired
      // at `exp` itself, hence one millisecond less. A token with no time left is not remembered
      // (a ttl of 0 would mean "forever").
      const ttl = claims.expiresAt.getTime() - now() - 1;
      if (ttl > 0) verified.set(token, claims, { ttl });
      return claims;
    },
  };
}

/** The approval binding a token's `apv` claim carries. */
function approvalOf(apv: NonNullable<TokenPayload['apv']>): ApprovalBinding {
  return { actionDigest: apv.d, identity: apv.i === 's' ? 'signed-in' : 'link-holder', ...(apv.m === undefined ? {} : { maxAuthAgeSeconds: apv.m }) };
}
