import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The API key format: `dcb_<id>_<secret>`. The prefix makes leaked keys easy to spot (and to
 * scan for); the id names the key in logs and stores without revealing it; the secret is 256
 * random bits, stored only as its SHA-256.
 */
export const API_KEY_PREFIX = 'dcb';

/** The scope that lets a key deliver callbacks ("permission to execute workflows"). */
export const EXECUTE_SCOPE = 'workflows:execute';

const ID_BYTES = 8;
const SECRET_BYTES = 32;
const KEY_PATTERN = /^dcb_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A freshly generated key: show `key` to its owner once; store only `id` and `hash`. */
export interface GeneratedApiKey {
  id: string;
  key: string;
  hash: string;
}

/** Generates a new API key. */
export function generateApiKey(): GeneratedApiKey {
  const id = randomBytes(ID_BYTES).toString('hex');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { id, key: `${API_KEY_PREFIX}_${id}_${secret}`, hash: hashSecret(secret) };
}

/** Splits a presented key into id and secret, or returns undefined when it is not in the key format. */
export function parseApiKey(presented: string): { id: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(presented);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

/** The stored form of a secret. A fast hash suffices: secrets are 256 random bits, not passwords. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
