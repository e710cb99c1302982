import { createHash } from 'node:crypto';

/**
 * Short public fingerprints of token keys, so an operator can compare a worker's keys with a
 * gateway's by reading their startup lines. A fingerprint names a key; it never lets anyone
 * recover it, sign with it or check a guess of it faster than a token already allows.
 */

/** Hex characters kept of a fingerprint's SHA-256: 48 bits, enough to tell keys of one deployment apart. */
export const FINGERPRINT_HEX_CHARS = 12;

/** The label hashed before a secret, so a fingerprint is never a hash of the secret used anywhere else. */
const SECRET_FINGERPRINT_LABEL = 'durable-callbacks key fingerprint v1\0';

/**
 * The fingerprint of a shared secret (an HS256 signing key or an A256GCM encryption key): the
 * first {@link FINGERPRINT_HEX_CHARS} hex characters of SHA-256 over a fixed label followed by the
 * secret's bytes.
 *
 * It does not reveal the secret: SHA-256 is one-way, and 48 bits of its output say nothing
 * usable about a secret of at least 256 bits. The label separates this hash from any other use of
 * SHA-256 over the same bytes (a fingerprint is never a derived key or a hash another system
 * compares). Only a guessable secret could be confirmed from it, and such a secret can already be
 * confirmed from any token it signed, which every sender holds.
 */
export function secretFingerprint(secret: Uint8Array): string {
  return createHash('sha256').update(SECRET_FINGERPRINT_LABEL).update(secret).digest('hex').slice(0, FINGERPRINT_HEX_CHARS);
}

/**
 * The fingerprint of an Ed25519 public key: the first {@link FINGERPRINT_HEX_CHARS} hex characters
 * of its RFC 7638 JWK thumbprint (SHA-256 over the canonical `{"crv","kty","x"}`). Made of public
 * material only; the private key never enters it.
 */
export function publicKeyFingerprint(jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(canonical).digest('hex').slice(0, FINGERPRINT_HEX_CHARS);
}
