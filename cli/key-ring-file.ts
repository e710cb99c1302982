import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';
import { writeOwnerOnlyFile } from '../keys/atomic-file';
import { KEY_ID_PATTERN, keyRingFileSchema, readKeyRingFile, type KeyRingFile, type SigningAlgorithm, type TokenFormat } from '../keys/key-ring';
import { NAME_RULE } from '../protocol/names';

/**
 * Edits key ring files: what `durable-callbacks keys signing-keys ...` does. Every change is
 * written atomically with owner-only permissions. Rotation is: add a key, copy the ring to every
 * process, activate it; retire the old key once the URLs minted with it have expired (retiring
 * kills exactly those URLs).
 */

/** Thrown for an edit that would leave the ring unusable; the message says why. */
export class KeyRingEditError extends Error {
  override readonly name = 'KeyRingEditError';
}

async function readOrEmpty(path: string): Promise<KeyRingFile> {
  try {
    await fs.access(path);
  } catch {
    return { version: 1, format: 'jws', keys: [] };
  }
  return readKeyRingFile(path);
}

async function write(path: string, ring: KeyRingFile): Promise<void> {
  await writeOwnerOnlyFile(path, `${JSON.stringify(keyRingFileSchema.parse(ring), null, 2)}\n`);
}

function newKid(prefix: string): string {
  return `${prefix}-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;
}

function checkKid(ring: KeyRingFile, kid: string): void {
  if (!KEY_ID_PATTERN.test(kid)) throw new KeyRingEditError(`'${kid}' is not a valid key id: use ${NAME_RULE}`);
  if (ring.keys.some((key) => key.kid === kid) || ring.encryption?.keys.some((key) => key.kid === kid)) {
    throw new KeyRingEditError(`The ring already has a key '${kid}'.`);
  }
}

/** Adds a signing key (generated here); activates it when asked, or when it is the first. Returns its kid. */
export async function addSigningKey(path: string, options: { alg: SigningAlgorithm; kid?: string; activate?: boolean }): Promise<string> {
  const ring = await readOrEmpty(path);
  const kid = options.kid ?? newKid(options.alg === 'EdDSA' ? 'ed' : 'hs');
  checkKid(ring, kid);
  if (options.alg === 'HS256') {
    ring.keys.push({ kid, alg: 'HS256', secret: randomBytes(32).toString('base64url') });
  } else {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const pub = await exportJWK(publicKey);
    const priv = await exportJWK(privateKey);
    ring.keys.push({
      kid,
      alg: 'EdDSA',
      publicJwk: { kty: 'OKP', crv: 'Ed25519', x: pub.x! },
      privateJwk: { kty: 'OKP', crv: 'Ed25519', x: priv.x!, d: priv.d! },
    });
  }
  if (options.activate || ring.activeKid === undefined) ring.activeKid = kid;
  await write(path, ring);
  return kid;
}

/** Adds an A256GCM key for opaque URLs; activates it when asked, or when it is the first. Returns its kid. */
export async function addEncryptionKey(path: string, options: { kid?: string; activate?: boolean } = {}): Promise<string> {
  const ring = await readOrEmpty(path);
  const kid = options.kid ?? newKid('enc');
  checkKid(ring, kid);
  ring.encryption ??= { keys: [] };
  ring.encryption.keys.push({ kid, secret: randomBytes(32).toString('base64url') });
  if (options.activate || ring.encryption.activeKid === undefined) ring.encryption.activeKid = kid;
  await write(path, ring);
  return kid;
}

/** Makes `kid` the key new URLs are signed (or encrypted) with. */
export async function activateKey(path: string, kid: string): Promise<void> {
  const ring = await readKeyRingFile(path);
  if (ring.keys.some((key) => key.kid === kid)) ring.activeKid = kid;
  else if (ring.encryption?.keys.some((key) => key.kid === kid)) ring.encryption.activeKid = kid;
  else throw new KeyRingEditError(`The ring has no key '${kid}'.`);
  await write(path, ring);
}

/** Removes `kid`: every outstanding URL minted with it stops working. The active key cannot be retired. */
export async function retireKey(path: string, kid: string): Promise<void> {
  const ring = await readKeyRingFile(path);
  if (ring.activeKid === kid || ring.encryption?.activeKid === kid) {
    throw new KeyRingEditError(`'${kid}' is active; activate another key first.`);
  }
  const before = ring.keys.length + (ring.encryption?.keys.length ?? 0);
  ring.keys = ring.keys.filter((key) => key.kid !== kid);
  if (ring.encryption) ring.encryption.keys = ring.encryption.keys.filter((key) => key.kid !== kid);
  if (ring.keys.length + (ring.encryption?.keys.length ?? 0) === before) throw new KeyRingEditError(`The ring has no key '${kid}'.`);
  await write(path, ring);
}

/** Sets the format new URLs are minted in: `jws` (signed) or `jwe` (signed, then encrypted: opaque). */
export async function setTokenFormat(path: string, format: TokenFormat): Promise<void> {
  const ring = await readKeyRingFile(path);
  if (format === 'jwe' && !ring.encryption?.keys.length) throw new KeyRingEditError('Opaque URLs need an encryption key: run `signing-keys add-encryption` first.');
  ring.format = format;
  await write(path, ring);
}

/**
 * Writes the ring a gateway needs to `out`: EdDSA keys without their private half (so the
 * gateway cannot mint), HS256 secrets and encryption keys as they are (verification needs them).
 */
export async function exportGatewayRing(path: string, out: string): Promise<void> {
  const ring = await readKeyRingFile(path);
  await write(out, {
    ...ring,
    keys: ring.keys.map((key) => (key.alg === 'EdDSA' ? { kid: key.kid, alg: key.alg, publicJwk: key.publicJwk } : key)),
  });
}

/** One line per key, for listings: never any secret. */
export interface KeyRingEntry {
  kid: string;
  use: 'signing' | 'encryption';
  alg: SigningAlgorithm | 'A256GCM';
  active: boolean;
  canSign: boolean;
}

/** Lists the ring's keys without their material. */
export async function listKeyRing(path: string): Promise<{ format: TokenFormat; keys: KeyRingEntry[] }> {
  const ring = await readKeyRingFile(path);
  return {
    format: ring.format,
    keys: [
      ...ring.keys.map((key) => ({
        kid: key.kid,
        use: 'signing' as const,
        alg: key.alg,
        active: ring.activeKid === key.kid,
        canSign: key.alg === 'HS256' || key.privateJwk !== undefined,
      })),
      ...(ring.encryption?.keys ?? []).map((key) => ({ kid: key.kid, use: 'encryption' as const, alg: 'A256GCM' as const, active: ring.encryption?.activeKid === key.kid, canSign: false })),
    ],
  };
}
