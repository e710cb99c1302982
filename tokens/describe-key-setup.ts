import type { TokenIdentity } from './callback-token';
import type { KeySource } from '../config/token-config';
import type { KeyRing } from '../keys/key-ring';

/**
 * The fields of the one startup line a minting worker and a gateway each log about their token
 * keys, so an operator can put the two side by side: where the keys come from, each key's id and
 * public fingerprint, the token issuer and audience, and (on a worker) the base URL it mints.
 * Values that were defaulted rather than set are marked `(default)`. Nothing here is secret: see
 * `secretFingerprint` for why a fingerprint reveals nothing.
 */

/** The message of the startup line, the same on the worker and the gateway. */
export const KEY_SETUP_MESSAGE = 'callback token keys';

/** One key as the startup line shows it. */
export interface KeyDescription {
  kid: string;
  alg: string;
  /** The key's public fingerprint, or `unknown` for a key imported without its material. */
  fingerprint: string;
  /** Present and true on the key new tokens are signed (or encrypted) with. */
  active?: true;
}

/** The fields of the startup line. */
export interface KeySetupFields {
  /** `env secret (CALLBACK_SIGNING_SECRET)`, `key ring file <path>`, or `generated dev secret at <path> (default)`. */
  keySource: string;
  /** The signing keys, each with its fingerprint. */
  keys: KeyDescription[];
  /** The encryption keys of opaque (JWE) tokens, when the ring has any. */
  encryptionKeys?: KeyDescription[];
  issuer: string;
  audience: string;
  /** The prefix of minted callback URLs (worker only). */
  baseUrl?: string;
}

/** What {@link describeKeySetup} describes besides the ring. */
export interface KeySetupContext extends TokenIdentity {
  source?: KeySource;
  /** The prefix of minted callback URLs, on a worker. */
  baseUrl?: string;
  /** The settings that took their defaults (`CALLBACK_BASE_URL`, `CALLBACK_TOKEN_ISSUER`, ...). */
  defaultedSettings?: readonly string[];
}

/** `value`, marked `(default)` when `setting` took its default. */
export function markDefault(value: string, setting: string, defaultedSettings: readonly string[] = []): string {
  return defaultedSettings.includes(setting) ? `${value} (default)` : value;
}

function describeSource(source: KeySource | undefined): string {
  if (!source) return 'keys given in code';
  if (source.kind === 'env') return 'env secret (CALLBACK_SIGNING_SECRET)';
  if (source.kind === 'ring-file') return `key ring file ${source.path}`;
  return `generated dev secret at ${source.path} (default)`;
}

/** The startup line's fields for `ring`, loaded from `context.source`. */
export function describeKeySetup(ring: KeyRing, context: KeySetupContext): KeySetupFields {
  const defaults = context.defaultedSettings ?? [];
  const encryptionKeys = [...ring.encryption.values()].map(
    (key): KeyDescription => ({ kid: key.kid, alg: 'A256GCM', fingerprint: key.fingerprint ?? 'unknown', ...(key.kid === ring.activeEncryptionKid ? { active: true as const } : {}) }),
  );
  return {
    keySource: describeSource(context.source),
    keys: [...ring.signing.values()].map((key) => ({
      kid: key.kid,
      alg: key.alg,
      fingerprint: key.fingerprint ?? 'unknown',
      ...(key.kid === ring.activeSigningKid ? { active: true as const } : {}),
    })),
    ...(encryptionKeys.length > 0 ? { encryptionKeys } : {}),
    issuer: markDefault(context.issuer, 'CALLBACK_TOKEN_ISSUER', defaults),
    audience: markDefault(context.audience, 'CALLBACK_TOKEN_AUDIENCE', defaults),
    ...(context.baseUrl !== undefined ? { baseUrl: markDefault(context.baseUrl, 'CALLBACK_BASE_URL', defaults) } : {}),
  };
}

function describeKey(key: KeyDescription): string {
  return `${key.kid} ${key.alg} fingerprint ${key.fingerprint}${key.active ? ' (active)' : ''}`;
}

/**
 * The startup line's fields as one line of text, for loggers that print structured fields over
 * several lines (Temporal's default logger):
 * `source: env secret (CALLBACK_SIGNING_SECRET); keys: default HS256 fingerprint 3f2a9c0d1b7e (active); issuer: ...`.
 */
export function formatKeySetup(fields: KeySetupFields): string {
  return [
    `source: ${fields.keySource}`,
    `keys: ${fields.keys.map(describeKey).join(', ') || 'none'}`,
    ...(fields.encryptionKeys ? [`encryption keys: ${fields.encryptionKeys.map(describeKey).join(', ')}`] : []),
    `issuer: ${fields.issuer}`,
    `audience: ${fields.audience}`,
    ...(fields.baseUrl !== undefined ? [`base URL: ${fields.baseUrl}`] : []),
  ].join('; ');
}
