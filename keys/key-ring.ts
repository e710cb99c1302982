import { promises as fs } from 'node:fs';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { ConfigError } from '../config/config-error';
import { publicKeyFingerprint, secretFingerprint } from './key-fingerprint';
import { loadSigningSecret, MIN_SIGNING_SECRET_BYTES } from './signing-secret';
import type { KeySource } from '../config/token-config';
import { NAME_PATTERN, NAME_RULE } from '../protocol/names';


/**
 * The token key ring: every key that may have signed an outstanding callback URL, by key id
 * (`kid`), one of them active for minting; and, for opaque URLs, the encryption keys. Keys are
 * imported once, at startup. A worker's ring holds private keys; a gateway's holds only what
 * verification needs (for EdDSA, public keys), so a compromised gateway cannot mint URLs.
 */

/** Token signing algorithms: HMAC with a shared secret, or Ed25519 signatures. */
export type SigningAlgorithm = 'HS256' | 'EdDSA';

/** Whether minted URLs carry a signed token (readable claims) or an encrypted one (opaque). */
export type TokenFormat = 'jws' | 'jwe';

/** Key ids name keys in a ring; kept short and plain so they can never act as a path or URL. */
export const KEY_ID_PATTERN = NAME_PATTERN;

/** One signing key. */
export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  /** Present on rings that can mint. */
  signKey?: CryptoKey;
  verifyKey: CryptoKey;
  /** Public fingerprint of the key ({@link secretFingerprint} / {@link publicKeyFingerprint}); absent for a key imported elsewhere. */
  fingerprint?: string;
}

/** One A256GCM content-encryption key for opaque (JWE `dir`) tokens. */
export interface EncryptionKey {
  kid: string;
  key: CryptoKey;
  /** Public fingerprint of the key ({@link secretFingerprint}). */
  fingerprint?: string;
}

/** An imported key ring. */
export interface KeyRing {
  signing: ReadonlyMap<string, SigningKey>;
  /** The key new tokens are signed with; undefined on a verify-only ring. */
  activeSigningKid?: string;
  encryption: ReadonlyMap<string, EncryptionKey>;
  activeEncryptionKid?: string;
  /** The format new tokens are minted in. */
  format: TokenFormat;
}

const kid = z.string().regex(KEY_ID_PATTERN, `a key id is ${NAME_RULE}`);
const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url');

/** The key ring file, as written by `durable-callbacks keys signing-keys ...`. */
export const keyRingFileSchema = z.object({
  version: z.literal(1),
  format: z.enum(['jws', 'jwe']).default('jws'),
  activeKid: kid.optional(),
  keys: z.array(
    z.discriminatedUnion('alg', [
      z.object({ kid, alg: z.literal('HS256'), secret: base64url }),
      z.object({
        kid,
        alg: z.literal('EdDSA'),
        publicJwk: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: base64url }),
        privateJwk: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: base64url, d: base64url }).optional(),
      }),
    ]),
  ),
  encryption: z
    .object({
      activeKid: kid.optional(),
      keys: z.array(z.object({ kid, secret: base64url })),
    })
    .optional(),
});

/** The key ring file's contents. */
export type KeyRingFile = z.infer<typeof keyRingFileSchema>;

/** The key id a single `CALLBACK_SIGNING_SECRET` (or development secret) gets. */
export const SINGLE_SECRET_KID = 'default';

function importHmac(secret: Uint8Array, usages: Array<'sign' | 'verify'>): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, usages) as Promise<CryptoKey>;
}

function decodeSecret(value: string, what: string, exactBytes?: number): Uint8Array {
  const bytes = Buffer.from(value, 'base64url');
  if (exactBytes !== undefined ? bytes.byteLength !== exactBytes : bytes.byteLength < MIN_SIGNING_SECRET_BYTES) {
    throw new ConfigError(
      `${what} must be ${exactBytes ?? `at least ${MIN_SIGNING_SECRET_BYTES}`} bytes (base64url); it is ${bytes.byteLength}. ` +
        'Generate keys with `durable-callbacks keys signing-keys add`.',
    );
  }
  return bytes;
}

/** Imports a parsed key ring file. `canMint` false drops private material (for gateways). */
export async function importKeyRing(file: KeyRingFile, origin: string): Promise<KeyRing> {
  const signing = new Map<string, SigningKey>();
  for (const entry of file.keys) {
    if (signing.has(entry.kid)) throw new ConfigError(`${origin}: key id '${entry.kid}' appears twice.`);
    if (entry.alg === 'HS256') {
      const secret = decodeSecret(entry.secret, `${origin}: HS256 key '${entry.kid}'`);
      signing.set(entry.kid, {
        kid: entry.kid,
        alg: 'HS256',
        signKey: await importHmac(secret, ['sign']),
        verifyKey: await importHmac(secret, ['verify']),
        fingerprint: secretFingerprint(secret),
      });
    } else {
      signing.set(entry.kid, {
        kid: entry.kid,
        alg: 'EdDSA',
        ...(entry.privateJwk ? { signKey: (await importJWK(entry.privateJwk as JWK, 'EdDSA')) as CryptoKey } : {}),
        verifyKey: (await importJWK(entry.publicJwk as JWK, 'EdDSA')) as CryptoKey,
        fingerprint: publicKeyFingerprint(entry.publicJwk),
      });
    }
  }
  const encryption = new Map<string, EncryptionKey>();
  for (const entry of file.encryption?.keys ?? []) {
    const raw = decodeSecret(entry.secret, `${origin}: encryption key '${entry.kid}'`, 32);
    encryption.set(entry.kid, {
      kid: entry.kid,
      key: (await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])) as CryptoKey,
      fingerprint: secretFingerprint(raw),
    });
  }
  if (file.activeKid !== undefined && !signing.has(file.activeKid)) throw new ConfigError(`${origin}: activeKid '${file.activeKid}' is not in keys.`);
  const activeEncryptionKid = file.encryption?.activeKid ?? file.encryption?.keys[0]?.kid;
  if (activeEncryptionKid !== undefined && !encryption.has(activeEncryptionKid)) {
    throw new ConfigError(`${origin}: encryption.activeKid '${activeEncryptionKid}' is not in encryption.keys.`);
  }
  if (file.format === 'jwe' && activeEncryptionKid === undefined) {
    throw new ConfigError(`${origin}: format 'jwe' needs an encryption key; add one with \`durable-callbacks keys signing-keys add-encryption\`.`);
  }
  return {
    signing,
    ...(file.activeKid !== undefined ? { activeSigningKid: file.activeKid } : {}),
    encryption,
    ...(activeEncryptionKid !== undefined ? { activeEncryptionKid } : {}),
    format: file.format,
  };
}

/** A ring of one HS256 key, for the simple `CALLBACK_SIGNING_SECRET` setup. */
export async function singleSecretRing(secret: Uint8Array): Promise<KeyRing> {
  return {
    signing: new Map([
      [
        SINGLE_SECRET_KID,
        {
          kid: SINGLE_SECRET_KID,
          alg: 'HS256' as const,
          signKey: await importHmac(secret, ['sign']),
          verifyKey: await importHmac(secret, ['verify']),
          fingerprint: secretFingerprint(secret),
        },
      ],
    ]),
    activeSigningKid: SINGLE_SECRET_KID,
    encryption: new Map(),
    format: 'jws',
  };
}

/**
 * A ring of one HS256 key from an already imported HMAC key (`importSigningKey`), so code that
 * holds a single key can use the ring-based minter and verifier.
 */
export function ringOfKey(key: CryptoKey): KeyRing {
  return {
    signing: new Map([[SINGLE_SECRET_KID, { kid: SINGLE_SECRET_KID, alg: 'HS256' as const, signKey: key, verifyKey: key }]]),
    activeSigningKid: SINGLE_SECRET_KID,
    encryption: new Map(),
    format: 'jws',
  };
}

/** The ring itself, or a one-key ring around a single imported HMAC key. */
export function asKeyRing(keyOrRing: CryptoKey | KeyRing): KeyRing {
  return 'signing' in keyOrRing ? keyOrRing : ringOfKey(keyOrRing);
}

/** Reads and parses a key ring file. @throws {@link ConfigError} naming the file and the problem. */
export async function readKeyRingFile(path: string): Promise<KeyRingFile> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`CALLBACK_KEY_RING_FILE: cannot read ${path} (${(err as Error).message}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`CALLBACK_KEY_RING_FILE: ${path} is not valid JSON.`);
  }
  const parsed = keyRingFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(`CALLBACK_KEY_RING_FILE: ${path} is not a key ring: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/**
 * Loads the key ring a process is configured with: a ring file, a single secret from the
 * environment, or (outside production) the generated development secret.
 */
export async function loadKeyRing(source: KeySource): Promise<KeyRing> {
  if (source.kind === 'ring-file') return importKeyRing(await readKeyRingFile(source.path), source.path);
  return singleSecretRing(await loadSigningSecret(source));
}
