import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CallbackClaims } from '../tokens/callback-token';
import { describeKeySetup, formatKeySetup } from '../tokens/describe-key-setup';
import { importKeyRing, readKeyRingFile, singleSecretRing, type KeyRingFile } from '../keys/key-ring';
import { addSigningKey } from '../cli/key-ring-file';
import { createCallbackTokenMinter } from '../tokens/mint-callback-token';
import { createCallbackTokenVerifier, tokenRefusalOf, type TokenRefusal } from '../tokens/verify-callback-token';

/**
 * Why a token was refused, as the gateway logs it (`reason`, `kid`): the code a sender gets is
 * unchanged, only the operator learns which check failed and for which key. And the fingerprints
 * the startup lines compare keys by.
 */

const IDENTITY = { issuer: 'durable-callbacks', audience: 'durable-callbacks-gateway' };
const NAMESPACE = 'default';

function claims(changes: Partial<CallbackClaims> = {}): CallbackClaims {
  return {
    namespace: NAMESPACE,
    workflowId: 'wf-1',
    callbackId: 'cb-1',
    expiresAt: new Date(Date.now() + 60_000),
    requiresApiKey: false,
    allowGet: false,
    ...changes,
  };
}

async function refusalOf(promise: Promise<unknown>): Promise<{ code: string; refusal: TokenRefusal | undefined }> {
  try {
    await promise;
  } catch (err) {
    return { code: (err as { code: string }).code, refusal: tokenRefusalOf(err) };
  }
  throw new Error('expected a refusal');
}

describe('a refused token says why, for the log', () => {
  test('each check names its reason and the key id; the code stays CALLBACK_TOKEN_INVALID or _EXPIRED', async () => {
    const secret = randomBytes(32);
    const ring = await singleSecretRing(secret);
    const verifier = createCallbackTokenVerifier(ring, { ...IDENTITY, namespace: NAMESPACE });
    const minter = createCallbackTokenMinter(ring, IDENTITY);
    const otherRing = await singleSecretRing(randomBytes(32));
    const good = await minter.mint(claims());
    await expect(verifier.verify(good)).resolves.toMatchObject({ workflowId: 'wf-1' });

    const cases: Record<string, Promise<string>> = {
      signature: createCallbackTokenMinter(otherRing, IDENTITY).mint(claims()),
      expired: minter.mint(claims({ expiresAt: new Date(Date.now() - 3_600_000) })),
      issuer: createCallbackTokenMinter(ring, { ...IDENTITY, issuer: 'someone-else' }).mint(claims()),
      audience: createCallbackTokenMinter(ring, { ...IDENTITY, audience: 'another-gateway' }).mint(claims()),
      namespace: minter.mint(claims({ namespace: 'production' })),
    };
    for (const [reason, token] of Object.entries(cases)) {
      const { code, refusal } = await refusalOf(verifier.verify(await token));
      expect({ reason, code, refusal }).toEqual({ reason, code: reason === 'expired' ? 'CALLBACK_TOKEN_EXPIRED' : 'CALLBACK_TOKEN_INVALID', refusal: { reason, kid: 'default' } });
    }

    expect(await refusalOf(verifier.verify('not-a-token'))).toEqual({ code: 'CALLBACK_TOKEN_INVALID', refusal: { reason: 'malformed' } });
    expect(await refusalOf(verifier.verify(`${good.slice(0, 10)}!${good.slice(11)}`))).toEqual({ code: 'CALLBACK_TOKEN_INVALID', refusal: { reason: 'malformed' } });
  });

  test('a token signed with a key id the gateway does not have is unknown-kid, naming the kid', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-refusal-'));
    try {
      const file = path.join(dir, 'ring.json');
      const kid = await addSigningKey(file, { alg: 'HS256', kid: 'k-2026', activate: true });
      const workerRing = await importKeyRing(await readKeyRingFile(file), file);
      const token = await createCallbackTokenMinter(workerRing, IDENTITY).mint(claims());
      const gateway = createCallbackTokenVerifier(await singleSecretRing(randomBytes(32)), { ...IDENTITY, namespace: NAMESPACE });
      expect(await refusalOf(gateway.verify(token))).toEqual({ code: 'CALLBACK_TOKEN_INVALID', refusal: { reason: 'unknown-kid', kid } });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the startup line shows key fingerprints, never key material', () => {
  test('one secret: its fingerprint differs from a plain hash of it and from another secret\'s; nothing of the secret appears', async () => {
    const secret = randomBytes(32);
    const fields = describeKeySetup(await singleSecretRing(secret), { ...IDENTITY, source: { kind: 'env', value: secret.toString('base64') } });
    const fingerprint = fields.keys[0]!.fingerprint;
    expect(fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(createHash('sha256').update(secret).digest('hex')).not.toContain(fingerprint);
    expect(describeKeySetup(await singleSecretRing(randomBytes(32)), IDENTITY).keys[0]!.fingerprint).not.toBe(fingerprint);
    const line = `${JSON.stringify(fields)} ${formatKeySetup(fields)}`;
    for (const encoding of ['base64', 'base64url', 'hex'] as const) expect(line).not.toContain(secret.toString(encoding).slice(0, 16));
    expect(formatKeySetup(fields)).toBe(`source: env secret (CALLBACK_SIGNING_SECRET); keys: default HS256 fingerprint ${fingerprint} (active); issuer: durable-callbacks; audience: durable-callbacks-gateway`);
  });

  test('a key ring: every key id with its fingerprint, the same on the worker (private) and the gateway (public only)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-fingerprint-'));
    try {
      const file = path.join(dir, 'ring.json');
      await addSigningKey(file, { alg: 'HS256', kid: 'old' });
      await addSigningKey(file, { alg: 'EdDSA', kid: 'new', activate: true });
      const ringFile = await readKeyRingFile(file);
      const worker = describeKeySetup(await importKeyRing(ringFile, file), { ...IDENTITY, source: { kind: 'ring-file', path: file } });
      const publicOnly: KeyRingFile = {
        ...ringFile,
        keys: ringFile.keys.map((key) => (key.alg === 'EdDSA' ? { kid: key.kid, alg: key.alg, publicJwk: key.publicJwk } : key)),
      };
      const gateway = describeKeySetup(await importKeyRing(publicOnly, file), { ...IDENTITY, source: { kind: 'ring-file', path: file } });
      expect(worker.keySource).toBe(`key ring file ${file}`);
      expect(worker.keys.map((key) => key.kid)).toEqual(['old', 'new']);
      expect(gateway.keys).toEqual(worker.keys);
      expect(worker.keys.find((key) => key.kid === 'new')).toMatchObject({ alg: 'EdDSA', active: true });
      const text = JSON.stringify(worker);
      for (const key of ringFile.keys) {
        if (key.alg === 'HS256') expect(text).not.toContain(key.secret.slice(0, 16));
        else expect(text).not.toContain(key.privateJwk!.d.slice(0, 16));
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
